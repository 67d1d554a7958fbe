import Foundation
import SystemPackage

/// The files of one run, all under one directory named after the spec and the time:
///
/// ```
/// runs/realnvp-moons-20261123-194501/
///   spec.yaml          the spec as given (overrides are listed in run.json)
///   run.json           how the run was started and how it ended (status)
///   resolved.json      the validated graph with every default spelled out
///   ir.txt             the IR printout
///   metrics.jsonl      one line per evaluation
///   final.json         the final metrics
///   checkpoints/last.safetensors, checkpoints/best.safetensors
///   samples.npy        samples from the trained flow, in data space
/// ```
/// `flowc diff` and `flowc runs` read these files; nothing needs the model re-run.
package struct RunDirectory: Sendable {
  package let path: String

  package init(path: String) {
    self.path = path
  }

  /// The directory's own name, its path's last component (`realnvp-moons-20261123-194501`).
  package var name: String { FilePath(path).lastComponent?.string ?? path }

  /// Creates `root/<name>-<yyyymmdd-HHMMSS>` (with `-2`, `-3`... if it exists).
  package static func create(root: String, name: String, date: Date = Date()) throws -> RunDirectory {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    let safeName = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
    let base = FilePath(root).appending("\(safeName)-\(formatter.string(from: date))").string
    var candidate = base
    var n = 2
    while FileManager.default.fileExists(atPath: candidate) {
      candidate = "\(base)-\(n)"
      n += 1
    }
    try FileManager.default.createDirectory(atPath: FilePath(candidate).appending("checkpoints").string,
                                            withIntermediateDirectories: true)
    return RunDirectory(path: candidate)
  }

  /// The path of `name` (which may hold a folder, `checkpoints/last.safetensors`) inside the directory.
  package func file(_ name: String) -> String { FilePath(path).appending(name).string }

  package var spec: String { file("spec.yaml") }
  package var runInfo: String { file("run.json") }
  package var resolved: String { file("resolved.json") }
  package var ir: String { file("ir.txt") }
  package var metrics: String { file("metrics.jsonl") }
  package var final: String { file("final.json") }
  package var lastCheckpoint: String { file("checkpoints/last.safetensors") }
  package var bestCheckpoint: String { file("checkpoints/best.safetensors") }
  package var samples: String { file("samples.npy") }

  /// Writes a whole file atomically (temporary file, then rename).
  package func write(_ text: String, to file: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
  }

  /// Appends one line to the metrics log and flushes it, so an interrupted run keeps
  /// every line it printed.
  package func appendMetrics(_ line: String) throws {
    let url = URL(fileURLWithPath: metrics)
    if !FileManager.default.fileExists(atPath: metrics), !FileManager.default.createFile(atPath: metrics, contents: nil) {
      throw RunFileError(path: metrics, problem: "the file cannot be created (is the directory writable, is the disk full?)")
    }
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data((line + "\n").utf8))
    try handle.synchronize()
  }
}
