import Foundation
import Testing

/// Hostile files through the whole command: each must end in exit 1 or 2 with a
/// diagnostic that names the file, line and column, within a generous time limit (a
/// hang fails; nothing here measures speed).
@Suite struct MalformedInputTests {
  static var cases: [(name: String, bytes: () -> [UInt8], id: String, line: Int)] { [
    ("empty", { [] }, "empty-spec", 1),
    ("only-comments", { Array("# nothing here\n# at all\n".utf8) }, "empty-spec", 1),
    // Found by .ci/fuzz: '#' and a combining mark are one Character, so the comment was
    // not seen as one and the file got no diagnostic at all (exit 0).
    ("comment-with-combining-mark", { Array("#".utf8) + [0xD6, 0x94] + Array("eeriocl\n".utf8) }, "empty-spec", 1),
    // Found by .ci/fuzz: libyaml reads a UTF-16 byte-order mark alone as an empty UTF-16
    // stream, no document and no error, so the file got no diagnostic (exit 0).
    ("utf16-bom-only", { [0xFE, 0xFF] }, "empty-spec", 1),
    ("utf16le-bom-only", { [0xFF, 0xFE] }, "empty-spec", 1),
    ("binary-junk", { (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) } }, "yaml-encoding", 1),
    ("invalid-utf8", { Array("dim: 2\nname: \"caf".utf8) + [0xC3, 0x28] + Array("\"\n".utf8) }, "yaml-encoding", 2),
    ("nul-byte", { Array("dim: 2\nprior: stan".utf8) + [0] + Array("dard_normal\n".utf8) }, "yaml-encoding", 2),
    ("tabs", { Array("dim: 2\nprior:\n\tkind: logistic\n".utf8) }, "yaml-syntax", 3),
    ("unclosed-bracket", { Array("dim: 2\nshape: [28, 28\nprior: logistic\n".utf8) }, "yaml-syntax", 3),
    ("two-documents", { Array("dim: 2\n---\ndim: 3\n".utf8) }, "multiple-documents", 2),
    ("scalar-root", { Array("just a string\n".utf8) }, "root-not-mapping", 1),
    ("list-root", { Array("- dim: 2\n".utf8) }, "root-not-mapping", 1),
    ("tag", { Array("dim: 2\nprior: !!python/object:os.system standard_normal\n".utf8) }, "yaml-tag", 2),
    ("complex-key", { Array("dim: 2\n? [a, b]\n: 1\n".utf8) }, "yaml-complex-key", 2),
    ("alias-bomb", {
      var s = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
      for i in 1..<12 { s += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
      return Array(s.utf8)
    }, "yaml-too-many-nodes", 7),
    ("self-alias", { Array("dim: 2\nprior: &p {kind: *p}\n".utf8) }, "yaml-recursive-alias", 2),
    ("deep-nesting", { Array("dim: ".utf8) + [UInt8](repeating: UInt8(ascii: "["), count: 100_000) }, "yaml-too-deep", 1),
    ("huge-scalar", { Array("name: ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 20 << 20) + [10] }, "yaml-scalar-too-long", 1),
    ("huge-integer", { Array("dim: 123456789012345678901234567890\n".utf8) }, "integer-too-large", 1),
    ("duplicate-key", { Array("dim: 2\nprior: logistic\ndim: 3\n".utf8) }, "duplicate-key", 3),
  ] }

  @Test(arguments: cases.map(\.name))
  func endsInALocatedDiagnostic(name: String) throws {
    let c = Self.cases.first { $0.name == name }!
    let path = try FlowcBinary.temporaryFile("\(name).yaml", c.bytes())
    // A sanitized flowc (.ci/sanitize) reads the 20 MB line many times slower.
    let timeout: Double = ProcessInfo.processInfo.environment["FLOWC_SANITIZER"] == nil ? 120 : 900
    let r = try FlowcBinary.run(["check", "--error-limit", "0", path], timeout: timeout)
    #expect(r.status == 1 || r.status == 2, "\(name): exit \(r.status)")
    #expect(r.stderr.contains("[\(c.id)]"), "\(name): \(r.stderr.prefix(600))")
    let header = r.stderr.split(separator: "\n").first { $0.contains("[\(c.id)]") }.map(String.init) ?? ""
    #expect(header.hasPrefix("\(path):\(c.line):"), "\(name): \(header)")
    // The quoted source line is cut to a readable width, even for a 20 MB line.
    #expect(r.stderr.split(separator: "\n").allSatisfy { $0.count < 400 })
  }
}
