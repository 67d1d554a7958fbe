import FlowcDiagnostics
import FlowcTestSupport
import Testing

/// The fixture verifier itself: it must fail both ways, with readable messages.
@Suite struct DiagnosticVerifierTests {
  let text = """
    # expected-error@+1 {{a}}
    x: 1
    y: 2  # expected-error {{b}} {{c}}
    z: 3
    # expected-warning@-1:4 {{d}}
    """

  func diagnostic(_ id: String, _ line: Int, _ column: Int, _ severity: Diagnostic.Severity = .error) -> Diagnostic {
    Diagnostic(id: id, severity: severity, message: "m",
               at: SourceRange(file: "f.yaml", at: SourceLocation(line: line, column: column)))
  }

  @Test func readsAllForms() {
    let v = DiagnosticVerifier(fixture: "f.yaml", text: text)
    #expect(v.expectations == [
      .init(severity: .error, id: "a", line: 2, column: nil),
      .init(severity: .error, id: "b", line: 3, column: nil),
      .init(severity: .error, id: "c", line: 3, column: nil),
      .init(severity: .warning, id: "d", line: 4, column: 4),
    ])
  }

  @Test func matchingDiagnosticsPass() {
    let v = DiagnosticVerifier(fixture: "f.yaml", text: text)
    let ds = [diagnostic("a", 2, 1), diagnostic("c", 3, 9), diagnostic("b", 3, 1), diagnostic("d", 4, 4, .warning)]
    #expect(v.verify(ds).isEmpty)
  }

  @Test func missingAndUnexpectedBothFail() {
    let v = DiagnosticVerifier(fixture: "f.yaml", text: text)
    let ds = [diagnostic("a", 2, 1), diagnostic("b", 3, 1), diagnostic("d", 4, 5, .warning), diagnostic("e", 1, 1)]
    #expect(v.verify(ds) == [
      "f.yaml:4:5: unexpected warning [d]: m",
      "f.yaml:1:1: unexpected error [e]: m",
      "f.yaml:3: expected error [c] was not emitted",
      "f.yaml:4:4: expected warning [d] was not emitted",
    ])
  }
}
