import FlowcDiagnostics
import Foundation
import Testing

/// Ids for the diagnostics these tests make up (a stage's catalog holds the real ones).
enum TestID: String, DiagnosticID {
  case a, b, e, io, x
  case maskSize = "mask-size"
}

/// The printed form of diagnostics, compared whole.
@Suite struct DiagnosticRendererTests {
  let file = SourceFile(path: "x.yaml", text: "dim: 2\nflow:\n  - {kind: affine_coupling, keep: [1, 0, 1]}\n")

  func mask() -> Diagnostic {
    .error(TestID.maskSize, "mask has 3 entries but the flow has dimension 2",
           at: SourceRange(file: "x.yaml", start: .init(line: 3, column: 34), end: .init(line: 3, column: 43)),
           notes: [.init("the flow's dimension 2 is set here", at: SourceRange(file: "x.yaml", at: .init(line: 1, column: 6)))],
           suggestion: "write one 0/1 entry per dimension")
  }

  @Test func rendersLikeSwiftc() {
    let text = DiagnosticRenderer(sources: [file]).render(mask())
    #expect(text == """
      x.yaml:3:34: error: mask has 3 entries but the flow has dimension 2 [mask-size]
         3 |   - {kind: affine_coupling, keep: [1, 0, 1]}
           |                                  ^~~~~~~~~
      x.yaml:1:6: note: the flow's dimension 2 is set here
         1 | dim: 2
           |      ^
        help: write one 0/1 entry per dimension

      """)
  }

  @Test func coloursOnlyWhenAsked() {
    #expect(!DiagnosticRenderer(sources: [file]).render(mask()).contains("\u{1B}["))
    #expect(DiagnosticRenderer(sources: [file], colors: true).render(mask()).contains("\u{1B}[1;31merror: "))
  }

  @Test func longLinesAreCutAroundTheCaret() {
    let long = String(repeating: "a", count: 5000) + "BAD" + String(repeating: "b", count: 5000)
    let source = SourceFile(path: "l.yaml", text: long)
    let d = Diagnostic.error(TestID.x, "bad", at: SourceRange(file: "l.yaml", start: .init(line: 1, column: 5001), end: .init(line: 1, column: 5004)))
    let lines = DiagnosticRenderer(sources: [source], maxLineWidth: 80).render(d).split(separator: "\n")
    #expect(lines[1].contains("...") && lines[1].contains("BAD") && lines[1].count < 100)
    // The caret is under the B of BAD.
    let quote = Array(lines[1])
    let caret = Array(lines[2])
    let at = caret.firstIndex(of: "^")!
    #expect(quote[at] == "B")
    #expect(String(caret[at...]) == "^~~")
  }

  @Test func tabsAndControlCharactersKeepTheCaretAligned() {
    let source = SourceFile(path: "t.yaml", bytes: Array("\tkey:\u{0}x".utf8))
    let d = Diagnostic.error(TestID.x, "bad", at: SourceRange(file: "t.yaml", at: .init(line: 1, column: 7)))
    let lines = DiagnosticRenderer(sources: [source]).render(d).split(separator: "\n")
    let quote = Array(lines[1])
    let at = Array(lines[2]).firstIndex(of: "^")!
    #expect(quote[at] == "x")
    #expect(!lines[1].contains("\t") && !lines[1].contains("\u{0}"))
  }

  @Test func errorLimitCountsTheRest() {
    let many = (1...30).map { Diagnostic.error(TestID.e, "number \($0)", at: SourceRange(file: "x.yaml", at: .init(line: 1, column: 1))) }
    let text = DiagnosticRenderer(sources: [file], limit: 5).render(many)
    #expect(text.components(separatedBy: "[e]").count - 1 == 5)
    #expect(text.contains("25 more diagnostics not shown"))
    #expect(DiagnosticRenderer(sources: [file], limit: 0).render(many).components(separatedBy: "[e]").count - 1 == 30)
  }

  @Test func jsonForm() throws {
    let json = DiagnosticJSON.encode([mask()])
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let first = try #require((doc["diagnostics"] as? [[String: Any]])?.first)
    #expect(first["id"] as? String == "mask-size")
    #expect(first["line"] as? Int == 3 && first["column"] as? Int == 34 && first["endColumn"] as? Int == 43)
    #expect(doc["errors"] as? Int == 1)
  }

  @Test func engineSortsByLocation() {
    let engine = DiagnosticEngine()
    engine.emit(.error(TestID.b, "second", at: SourceRange(file: "x.yaml", at: .init(line: 5, column: 1))))
    engine.emit(.warning(TestID.a, "first", at: SourceRange(file: "x.yaml", at: .init(line: 2, column: 3))))
    engine.emit(.error(TestID.io, "no file", at: nil))
    #expect(engine.sorted.map(\.id) == ["io", "a", "b"])
    #expect(engine.errorCount == 2 && engine.warningCount == 1 && engine.hasErrors)
  }

  @Test func didYouMean() {
    #expect(EditDistance.suggestion(for: "hiden", among: ["hidden", "activation"]) == "hidden")
    #expect(EditDistance.suggestion(for: "zzzzzz", among: ["hidden", "activation"]) == nil)
  }

  @Test func byteOffsetsBecomeLineAndColumn() {
    let source = SourceFile(path: "u.yaml", text: "a: 1\nnäme: x\n")
    #expect(source.location(ofByte: 0) == SourceLocation(line: 1, column: 1))
    // "nä" is 3 bytes but 2 characters: the byte after them is column 3.
    #expect(source.location(ofByte: 5 + 3) == SourceLocation(line: 2, column: 3))
  }
}
