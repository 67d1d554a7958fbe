import FlowcDiagnostics
import Foundation
import Testing

/// `SourceFile.read(path:maxBytes:)`: the bound, and the refusals it names the file in.
@Suite struct SourceFileTests {
  /// A fresh temporary directory holding one file of `count` bytes; returns both paths.
  func fileOf(_ count: Int) throws -> (directory: String, file: String) {
    let directory = FileManager.default.temporaryDirectory.path + "/sourcefile-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let file = directory + "/spec.yaml"
    try Data(repeating: UInt8(ascii: "#"), count: count).write(to: URL(fileURLWithPath: file))
    return (directory, file)
  }

  /// Runs `body`, expecting a diagnostic with `id`; returns it.
  func expectDiagnostic(_ id: String, sourceLocation: Testing.SourceLocation = #_sourceLocation,
                        _ body: () throws -> Void) -> Diagnostic? {
    do {
      try body()
      Issue.record("expected \(id), but the file was read", sourceLocation: sourceLocation)
    } catch let d as Diagnostic {
      #expect(d.id == id, "\(d.message)", sourceLocation: sourceLocation)
      return d
    } catch {
      Issue.record("expected a Diagnostic, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
  }

  @Test func readsUpToTheLimitAndRefusesOneByteMore() throws {
    let (directory, file) = try fileOf(1000)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let source = try SourceFile.read(path: file, maxBytes: 1000)
    #expect(source.bytes.count == 1000 && source.lineCount == 1)
    let d = expectDiagnostic("file-too-large") { _ = try SourceFile.read(path: file, maxBytes: 999) }
    #expect(d?.message.hasPrefix("'\(file)' is larger than ") == true)
  }

  @Test func anEndlessDeviceStopsOneBytePastTheLimit() {
    // /dev/zero has no size to check first; the bounded read is what stops it.
    let d = expectDiagnostic("file-too-large") { _ = try SourceFile.read(path: "/dev/zero", maxBytes: 100_000) }
    #expect(d?.message.hasPrefix("'/dev/zero' is larger than") == true)
  }

  @Test func aPipeIsReadToItsEnd() throws {
    // What `flowc check <(generate-spec)` hands over: /dev/fd/N of a pipe.
    let pipe = Pipe()
    pipe.fileHandleForWriting.write(Data("dim: 2\nflow: []\n".utf8))
    try pipe.fileHandleForWriting.close()
    let source = try SourceFile.read(path: "/dev/fd/\(pipe.fileHandleForReading.fileDescriptor)")
    #expect(source.lineText(1) == "dim: 2" && source.lineText(2) == "flow: []")
  }

  @Test func missingFilesAndDirectoriesAreNamed() throws {
    let (directory, _) = try fileOf(1)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let missing = expectDiagnostic("io-error") { _ = try SourceFile.read(path: directory + "/none.yaml") }
    #expect(missing?.message == "no such file '\(directory)/none.yaml'")
    let folder = expectDiagnostic("io-error") { _ = try SourceFile.read(path: directory) }
    #expect(folder?.message == "'\(directory)' is a directory, not a spec file")
  }
}
