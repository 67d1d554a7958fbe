import FlowcDiagnostics
import Foundation
import Testing

@testable import FlowcSpec

/// Hostile and broken input through the YAML stage and decode: each must end cleanly
/// with a located diagnostic. Every parse runs on its own thread under a generous
/// deadline (30 s); the tests never assert speed otherwise.
@Suite struct MalformedInputTests {
  /// What a parse produced.
  struct Outcome: @unchecked Sendable {
    var spec: FlowSpec?
    var diagnostics: [Diagnostic]
  }

  /// Holds the result across threads.
  final class Box: @unchecked Sendable {
    var outcome: Outcome?
  }

  /// Parses and decodes `bytes` on a background thread; records an issue and returns nil
  /// if that takes more than `seconds`. The limit catches a hang, not slowness: it is
  /// generous because a debug build on two cores shared with other jobs is slow.
  func parse(_ bytes: [UInt8], seconds: Double = 120,
             sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Outcome? {
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      let engine = DiagnosticEngine()
      let spec = parseSpec(SourceFile(path: "bad.yaml", bytes: bytes), diagnostics: engine)
      box.outcome = Outcome(spec: spec, diagnostics: engine.sorted)
      done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    guard done.wait(timeout: .now() + seconds) == .success else {
      Issue.record("parsing did not finish within \(Int(seconds)) s", sourceLocation: sourceLocation)
      return nil
    }
    return box.outcome
  }

  func parse(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Outcome? {
    parse(Array(text.utf8), sourceLocation: sourceLocation)
  }

  /// Expects exactly one diagnostic with `id` starting at `line:column` (other ids may follow
  /// only if `only` is false).
  func expect(_ outcome: Outcome?, _ id: String, at place: String, only: Bool = true,
              sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    guard let outcome else { return }
    let found = outcome.diagnostics.filter { $0.id == id }
    #expect(found.count == 1, "expected one [\(id)], got \(outcome.diagnostics)", sourceLocation: sourceLocation)
    #expect(at(found.first?.range) == place, "\(found.first?.description ?? "-")", sourceLocation: sourceLocation)
    if only {
      #expect(outcome.diagnostics.count == 1, "\(outcome.diagnostics)", sourceLocation: sourceLocation)
    }
  }

  @Test func emptyFile() {
    let o = parse("")
    expect(o, "empty-spec", at: "1:1")
    #expect(o?.spec == nil)
  }

  @Test func onlyComments() {
    expect(parse("# nothing here\n\n   # still nothing\n"), "empty-spec", at: "1:1")
    expect(parse("---\n# an empty document\n"), "empty-spec", at: "1:1")
  }

  @Test func binaryJunk() {
    // A PNG header: 0x89 cannot start a UTF-8 sequence.
    let o = parse([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52])
    expect(o, "yaml-encoding", at: "1:1")
  }

  @Test func invalidUTF8() {
    let o = parse(Array("dim: 2\nname: caf".utf8) + [0xC3, 0x28] + Array("\n".utf8))
    expect(o, "yaml-encoding", at: "2:10")
  }

  @Test func invalidUTF8PointsAtTheBadSequence() {
    // A three-byte sequence cut short by an ASCII byte: the column of its lead byte.
    let o = parse(Array("a: é".utf8) + [0xE2, 0x82, 0x41])
    expect(o, "yaml-encoding", at: "1:5")
  }

  @Test func nulByteAfterAByteOrderMark() {
    // libyaml's marks do not count the BOM, so reader errors must not either.
    let o = parse([0xEF, 0xBB, 0xBF] + Array("name: a".utf8) + [0x00])
    expect(o, "yaml-encoding", at: "1:8")
  }

  @Test func nulByte() {
    let o = parse(Array("dim: 2\nname: a".utf8) + [0x00] + Array("b\n".utf8))
    expect(o, "yaml-encoding", at: "2:8")
    #expect(o?.diagnostics.first?.message.contains("control character") == true)
  }

  @Test func tabIndentation() {
    let o = parse("flow:\n\t- kind: actnorm\n")
    expect(o, "yaml-syntax", at: "2:1")
    #expect(o?.diagnostics.first?.suggestion?.contains("tabs") == true)
  }

  @Test func unclosedBracket() {
    let o = parse("dim: 2\nshape: [28, 28\nprior: standard_normal\n")
    guard let d = o?.diagnostics.first(where: { $0.id == "yaml-syntax" }) else {
      Issue.record("no yaml-syntax in \(o?.diagnostics ?? [])")
      return
    }
    #expect(o?.diagnostics.count == 1)
    #expect(at(d.notes.first?.range) == "2:8")  // where the bracket opened
    #expect(d.range!.start.line >= 3)
  }

  @Test func unclosedBrace() {
    let o = parse("train: {lr: 0.1, steps: 3\n")
    guard let d = o?.diagnostics.first(where: { $0.id == "yaml-syntax" }) else {
      Issue.record("no yaml-syntax in \(o?.diagnostics ?? [])")
      return
    }
    #expect(at(d.notes.first?.range) == "1:8")
  }

  @Test func multipleDocuments() {
    let o = parse("dim: 2\n---\ndim: 3\n")
    expect(o, "multiple-documents", at: "2:1")
  }

  @Test func scalarOrListAtTheRoot() {
    let scalar = parse("hello")
    expect(scalar, "root-not-mapping", at: "1:1")
    #expect(scalar?.diagnostics.first?.message == "the spec must be a mapping of sections, found the string 'hello'")
    let list = parse("- dim: 2\n- prior: standard_normal\n")
    expect(list, "root-not-mapping", at: "1:1")
    #expect(list?.diagnostics.first?.message == "the spec must be a mapping of sections, found a list")
  }

  @Test func yamlTags() {
    let o = parse("dim: 2\nname: !!python/object:os.system [ls]\n")
    expect(o, "yaml-tag", at: "2:7", only: false)
  }

  @Test func complexKeys() {
    let o = parse("? [a, b]\n: 1\ndim: 2\n")
    expect(o, "yaml-complex-key", at: "1:3", only: false)
  }

  @Test func aliasBomb() {
    // "Billion laughs": nine levels, each alias list nine times the size of the last.
    var text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    let names = Array("abcdefghi")
    for i in 1..<names.count {
      let prev = names[i - 1]
      text += "\(names[i]): &\(names[i]) [" + Array(repeating: "*\(prev)", count: 9).joined(separator: ", ") + "]\n"
    }
    let o = parse(text)
    guard let d = o?.diagnostics.first else {
      Issue.record("no diagnostic")
      return
    }
    #expect(d.id == "yaml-too-many-nodes")
    #expect(d.range?.start.line == 7)  // level g pushes the total past 2,000,000
    #expect(o?.diagnostics.count == 1)
  }

  @Test func aliasedErrorsAreReportedOnce() {
    // 8^5 copies of a layer with an unknown key, within the node budget: one diagnostic.
    var text = "x-anchors:\n  - &r0 {repeat: 2, layers: [{kind: actnorm, bogus: 1}]}\n"
    for i in 1...5 {
      text += "  - &r\(i) {repeat: 2, layers: [" + Array(repeating: "*r\(i - 1)", count: 8).joined(separator: ", ") + "]}\n"
    }
    text += "flow: [*r5]\n"
    let o = parse(text)
    let ids = o?.diagnostics.filter { $0.id != "missing-section" }.map { "\($0.id)@\(at($0.range))" }
    #expect(ids == ["unknown-key@1:1", "unknown-key@2:46"])
  }

  @Test func selfReferentialAnchor() {
    expect(parse("a: &x [1, *x]\n"), "yaml-recursive-alias", at: "1:11")
  }

  @Test func unknownAlias() {
    expect(parse("dim: *nope\n"), "yaml-unknown-alias", at: "1:6")
  }

  @Test func deepNesting() {
    let o = parse(String(repeating: "[", count: 100_000))
    expect(o, "yaml-too-deep", at: "1:65")
  }

  @Test func hugeScalar() {
    let o = parse("name: " + String(repeating: "a", count: 20 << 20) + "\n")
    expect(o, "yaml-scalar-too-long", at: "1:7")
  }

  @Test func integersTooLarge() {
    let o = parse("dim: 99999999999999999999\nshape: [1, -99999999999999999999999999999]\n")
    let found = o?.diagnostics.filter { $0.id == "integer-too-large" } ?? []
    #expect(found.map { at($0.range) } == ["1:6", "2:12"])
    #expect(found.first?.message == "integer 99999999999999999999 does not fit in 64 bits")
  }

  @Test func duplicateKeys() {
    let o = parse("dim: 2\nprior: standard_normal\ndim: 3\n")
    expect(o, "duplicate-key", at: "3:1", only: false)
    #expect(at(o?.diagnostics.first { $0.id == "duplicate-key" }?.notes.first?.range) == "1:1")
  }

  @Test func multibyteColumns() {
    // Columns count Unicode scalars: 'é' and '日本' are one column per character.
    let o = parse("name: \"héllo wörld\"\nshape: [é, 2]\n日本: 1\nflow: [{kind: actnorm, 名前: x}]\n")
    let ids = o?.diagnostics.map { "\($0.id)@\(at($0.range))" } ?? []
    #expect(ids.contains("type-mismatch@2:9"), "\(ids)")
    #expect(ids.contains("unknown-key@3:1"), "\(ids)")
    #expect(ids.contains("unknown-key@4:24"), "\(ids)")
  }

  @Test func emojiBeforeAnError() {
    let o = parse("name: 😀😀\ndim: [😀, x]\n")
    let ids = o?.diagnostics.map { "\($0.id)@\(at($0.range))" } ?? []
    #expect(ids.contains("type-mismatch@2:6"), "\(ids)")
  }

  @Test func byteOrderMark() {
    let o = parse([0xEF, 0xBB, 0xBF] + Array("dim: x\n".utf8))
    let ids = o?.diagnostics.map { "\($0.id)@\(at($0.range))" } ?? []
    #expect(ids.contains("type-mismatch@1:6"), "\(ids)")
  }
}
