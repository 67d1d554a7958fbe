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

  /// Creates `root/<name>-<yyyymmdd-HHMMSS>` (with `-2`, `-3`... if it exists). The
  /// directory itself is made with one mkdir, which fails if it exists, so runs started in
  /// the same second by parallel processes (a sweep) never share a directory.
  package static func create(root: String, name: String, date: Date = Date()) throws -> RunDirectory {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    let safeName = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
    let base = FilePath(root).appending("\(safeName)-\(formatter.string(from: date))").string
    try RunFileIO.makeDirectory(root)
    var candidate = base
    var n = 2
    while mkdir(candidate, 0o755) != 0 {
      guard errno == EEXIST else {
        throw RunFileError(path: candidate, problem: RunFileIO.problemText(errno))
      }
      candidate = "\(base)-\(n)"
      n += 1
    }
    try RunFileIO.makeDirectory(FilePath(candidate).appending("checkpoints").string)
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
  package var checkpoints: String { file("checkpoints") }
  package var lastCheckpoint: String { file("checkpoints/last.safetensors") }
  package var bestCheckpoint: String { file("checkpoints/best.safetensors") }
  package var samples: String { file("samples.npy") }
  /// Held by the process training the run (`RunLock`).
  package var lock: String { file("run.lock") }

  /// Writes a whole file atomically (temporary file, then rename).
  /// - Throws: `RunFileError` naming the file.
  package func write(_ text: String, to file: String) throws {
    try RunFileIO.write(text, to: file)
  }

  /// Appends one line to the metrics log and syncs it, so an interrupted run keeps
  /// every line it printed.
  /// - Throws: `RunFileError` naming the file.
  package func appendMetrics(_ line: String) throws {
    try RunFileIO.append(line: line, to: metrics)
  }

  /// Keeps the lines of metrics.jsonl up to `step` (the step a resumed run restarts
  /// from) and drops the rest: evaluations after the checkpoint, that the resumed run
  /// will make again, and a torn last line a kill left. Returns how many were dropped.
  /// - Throws: `RunFileError` naming the file.
  @discardableResult
  package func truncateMetrics(toStep step: Int) throws -> Int {
    guard RunFileIO.exists(metrics) else { return 0 }
    let text = String(decoding: try RunFileIO.read(metrics), as: UTF8.self)
    var kept: [Substring] = []
    var dropped = 0
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
      if let s = Self.step(of: line), s <= step { kept.append(line) } else { dropped += 1 }
    }
    if dropped > 0 || !text.isEmpty && !text.hasSuffix("\n") {
      try RunFileIO.write(kept.map { $0 + "\n" }.joined(), to: metrics)
    }
    return dropped
  }

  /// The `"step":N` of a metrics line, nil for a line that is not a whole JSON object.
  static func step(of line: Substring) -> Int? {
    guard line.hasPrefix("{"), line.hasSuffix("}"), let r = line.range(of: "\"step\":") else { return nil }
    return Int(line[r.upperBound...].prefix { $0.isNumber })
  }
}
