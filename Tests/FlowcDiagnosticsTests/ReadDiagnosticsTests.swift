import FlowcDiagnostics
import Foundation
import Testing

/// The read stage's diagnostics, which no fixture can carry: there is no readable spec
/// whose comments could expect them (see `DiagnosticCatalogs.withoutFixture`).
@Suite struct ReadDiagnosticsTests {
  /// A fresh file under the temporary directory holding `bytes`.
  func temporaryFile(_ bytes: [UInt8]) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-read-\(UUID().uuidString).yaml").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Reads `path` expecting a diagnostic; nil (and an issue) if it reads.
  func failure(_ path: String, maxBytes: Int = SourceFile.defaultMaxBytes) -> Diagnostic? {
    do {
      _ = try SourceFile.read(path: path, maxBytes: maxBytes)
      Issue.record("'\(path)' was read")
      return nil
    } catch let d as Diagnostic {
      return d
    } catch {
      Issue.record("not a diagnostic: \(error)")
      return nil
    }
  }

  @Test func missingFile() {
    let d = failure("no/such/spec.yaml")
    #expect(d?.description == "error: no such file 'no/such/spec.yaml' [io-error]")
    #expect(d?.suggestion == "check the path; flowc takes a YAML spec file")
  }

  @Test func directory() {
    let path = FileManager.default.temporaryDirectory.path
    #expect(failure(path)?.description == "error: '\(path)' is a directory, not a spec file [io-error]")
  }

  @Test func fileOverTheLimit() throws {
    let path = try temporaryFile(Array(repeating: UInt8(ascii: "#"), count: (1 << 20) + 1))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let d = failure(path, maxBytes: 1 << 20)
    #expect(d?.description == "error: '\(path)' is larger than 1 MiB; a spec file is a few kilobytes [file-too-large]")
    #expect(d?.range == nil && d?.suggestion == "is this the right file?")
    // Exactly at the limit is allowed.
    #expect(try SourceFile.read(path: path, maxBytes: (1 << 20) + 1).bytes.count == (1 << 20) + 1)
  }

  @Test func unreadableFallback() {
    struct Failure: Error, CustomStringConvertible { var description: String { "the disk is on fire" } }
    let d = ReadDiagnostics.unreadable("x.yaml", error: Failure())
    #expect(d.description == "error: cannot read 'x.yaml': the disk is on fire [io-error]")
  }
}
