import FlowData
import Foundation
import Testing

/// `readFileBytes`: only regular files are read, each within the size limit.
@Suite struct FileBytesTests {
  @Test func readsAFileAtTheLimit() throws {
    let dir = TempDir()
    let path = try dir.write("x.csv", text: String(repeating: "1,2\n", count: 25))
    #expect(try readFileBytes(path, limits: ReadLimits(maxFileBytes: 100)).count == 100)
    expectDataError("data-file-too-large") { _ = try readFileBytes(path, limits: ReadLimits(maxFileBytes: 99)) }
  }

  @Test func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
    let dir = TempDir()
    let path = dir.path + "/points.csv"
    #expect(mkfifo(path, 0o600) == 0)
    let e = expectDataError("data-unreadable") { _ = try readFileBytes(path) }
    #expect(e?.description == "\(path): cannot read the file: it is not a regular file")
  }

  @Test func devicesAndDirectoriesAreRefused() throws {
    let e = expectDataError("data-unreadable") { _ = try readFileBytes("/dev/zero") }
    #expect(e?.description == "/dev/zero: cannot read the file: it is not a regular file")
    let dir = TempDir()
    let d = expectDataError("data-unreadable") { _ = try readFileBytes(dir.path) }
    #expect(d?.description == "\(dir.path): cannot read the file: it is a directory")
  }
}
