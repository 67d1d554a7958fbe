import FlowcBuild
import FlowcRun
import Foundation
import Testing

/// The run directory's files under faults: metrics truncated to a checkpoint, the lock
/// that tells a live run from a dead one, atomic writes that name their file in words.
@Suite struct RunFileTests {
  static func directory() throws -> RunDirectory {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-runfiles-\(UUID().uuidString)").path
    try RunFileIO.makeDirectory(path + "/checkpoints")
    return RunDirectory(path: path)
  }

  /// Resume keeps the lines up to the checkpoint's step and drops the rest, a torn last
  /// line included.
  @Test func metricsAreTruncatedToTheCheckpoint() throws {
    let d = try Self.directory()
    for step in [10, 20, 30, 40] { try d.appendMetrics("{\"step\":\(step),\"val_nll\":1.5}") }
    try RunFileIO.append(line: "{\"step\":50,\"val", to: d.metrics)
    #expect(try d.truncateMetrics(toStep: 20) == 3)
    let text = String(decoding: try RunFileIO.read(d.metrics), as: UTF8.self)
    #expect(text == "{\"step\":10,\"val_nll\":1.5}\n{\"step\":20,\"val_nll\":1.5}\n")
    #expect(try d.truncateMetrics(toStep: 20) == 0)
    // A file cut in the middle of a line (no final newline) loses that line only.
    let e = try Self.directory()
    try RunFileIO.write("{\"step\":10}\n{\"step\":2", to: e.metrics)
    #expect(try e.truncateMetrics(toStep: 100) == 1)
    #expect(String(decoding: try RunFileIO.read(e.metrics), as: UTF8.self) == "{\"step\":10}\n")
  }

  @Test func temporariesOfInterruptedWritesAreRemoved() throws {
    let d = try Self.directory()
    try RunFileIO.write("x", to: d.file(".run.json.tmp-12-abc"))
    try RunFileIO.write("keep", to: d.file("notes.txt"))
    #expect(RunFileIO.removeTemporaries(in: d.path) == [".run.json.tmp-12-abc"])
    #expect(try RunFileIO.listDirectory(d.path).sorted() == ["checkpoints", "notes.txt"])
  }

  /// The lock is held while a run trains and free once its process is gone; a second
  /// trainer of the same directory is refused.
  @Test func theLockTellsALiveRunFromADeadOne() throws {
    let d = try Self.directory()
    #expect(RunLock.isHeld(d) == nil)
    let lock = try RunLock.acquire(d)
    // flock locks belong to the open file: another open of the same file conflicts.
    #expect(RunLock.isHeld(d) == true)
    #expect(throws: RunLockError.self) { _ = try RunLock.acquire(d) }
    lock.release()
    #expect(RunLock.isHeld(d) == false)
  }

  /// Reads and writes fail with the file named and the reason in words.
  @Test func failuresNameTheFileInWords() throws {
    #expect(throws: RunFileError.self) { _ = try RunFileIO.read("/nonexistent/run.json") }
    do {
      _ = try RunFileIO.read("/nonexistent/run.json")
    } catch let e as RunFileError {
      #expect(e.description == "cannot read '/nonexistent/run.json': no such file or directory")
    }
    do {
      _ = try RunFileIO.read("/dev/zero")
    } catch let e as RunFileError {
      #expect(e.description == "cannot read '/dev/zero': it is not a regular file")
    }
    do {
      try RunFileIO.write("x", to: "/proc/flowc-cannot-write-here")
    } catch let e as RunFileError {
      #expect(e.description.hasPrefix("cannot write '/proc/flowc-cannot-write-here': "))
      #expect(!e.description.contains("Code="))
    }
    do {
      try RunFileIO.makeDirectory("/dev/null/runs")
    } catch let e as RunFileError {
      #expect(e.description == "cannot write '/dev/null': it exists and is not a directory")
    }
  }

  /// A row's round trip fails over a tolerance relative to the data's scale, and for NaN.
  @Test func roundTripTolerance() {
    func fails(_ error: Double, _ magnitude: Double, _ tolerance: Double = Runner.roundTripTolerance(.float32)) -> Bool {
      FlowEvaluator.RoundTrip.rowFails(error: error, magnitude: magnitude, tolerance: tolerance)
    }
    #expect(!fails(1e-4, 3))
    #expect(fails(5.7e5, 3))
    #expect(fails(0.05, 1))
    #expect(!fails(0.05, 100))
    #expect(fails(.nan, 1))
    #expect(fails(.infinity, 1))
    #expect(fails(1e-5, 1, Runner.roundTripTolerance(.float64)))
  }
}
