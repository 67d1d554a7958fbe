import FlowcExport
import FlowcIR
import FlowcRun
import Foundation
import Testing

/// Running python3 (with torch) and the flowc binary from the tests, and the files they share.
enum PythonTools {
  /// The repository root.
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// A command's exit status and output.
  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Runs `executable arguments` (looked up on the PATH) in `directory`, with `timeout`.
  static func run(_ executable: String, _ arguments: [String], in directory: URL = root, environment: [String: String] = [:],
                  timeout: TimeInterval = 600) throws -> Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
    process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
    process.currentDirectoryURL = directory
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    nonisolated(unsafe) var outData = Data()
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { usleep(20_000) }
    var status = Int32(-1)
    if process.isRunning { process.terminate() } else { status = process.terminationStatus }
    group.wait()
    return Output(status: status, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
  }

  /// Fails the test (never skips: CI installs torch, `.ci/deps --test`) unless python3 has
  /// torch and numpy.
  static func requireTorch() throws {
    let check = try run("python3", ["-c", "import torch, numpy"], timeout: 300)
    try #require(check.status == 0, """
      these tests need python3 with torch and numpy (`.ci/deps --test` installs them; by hand: \
      python3 -m pip install torch numpy): \(check.stderr)
      """)
  }

  /// The built flowc binary beside the test bundle.
  static var flowc: String {
    let build = Bundle.main.bundleURL.deletingLastPathComponent()
    for candidate in [build.appendingPathComponent("flowc"), build.deletingLastPathComponent().appendingPathComponent("flowc")] {
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
    }
    return root.appendingPathComponent(".build/debug/flowc").path
  }

  /// A fresh temporary directory.
  static func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-export-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// A float64 .npy (shape (n,)) or float32 .npy (shape (rows, cols)).
  static func npy(_ values: [Double], rows: Int? = nil, cols: Int? = nil) -> Data {
    let float32 = rows != nil
    let shape = float32 ? "(\(rows!), \(cols!))" : "(\(values.count),)"
    var header = "{'descr': '\(float32 ? "<f4" : "<f8")', 'fortran_order': False, 'shape': \(shape), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8)
    for v in values {
      if float32 { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { bytes += $0 } } else {
        withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 }
      }
    }
    return Data(bytes)
  }

  /// The float64 values of a 1-D `<f8` .npy.
  static func readDoubles(_ url: URL) throws -> [Double] {
    let bytes = [UInt8](try Data(contentsOf: url))
    let start = 10 + Int(bytes[8]) + Int(bytes[9]) << 8
    return stride(from: start, to: bytes.count, by: 8).map { i in
      bytes[i..<(i + 8)].withUnsafeBytes { Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
    }
  }

  /// Deterministic pseudo-random numbers in [0, 1) (an LCG: the tests need no quality).
  struct LCG {
    var state: UInt64
    mutating func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    mutating func normal() -> Double { (-2 * log(max(next(), 1e-300))).squareRoot() * cos(2 * Double.pi * next()) }
  }

  /// A parity case's files: directory `case<index>` under `dir` with the spec in
  /// spec.yaml, its export in pkg/ and the points (`dimension` values a row) in points.npy.
  static func parityCase(_ index: Int, spec text: String, points: [Double], dimension: Int, in dir: URL) throws
    -> (directory: URL, spec: URL, points: URL, graph: ValidatedGraph)
  {
    let caseDir = dir.appendingPathComponent("case\(index)")
    try FileManager.default.createDirectory(at: caseDir, withIntermediateDirectories: true)
    let spec = caseDir.appendingPathComponent("spec.yaml")
    try text.write(to: spec, atomically: true, encoding: .utf8)
    let v = try export(spec, to: caseDir.appendingPathComponent("pkg"))
    let pointsFile = caseDir.appendingPathComponent("points.npy")
    try npy(points, rows: points.count / dimension, cols: dimension).write(to: pointsFile)
    return (caseDir, spec, pointsFile, v)
  }

  /// Runs Support/parity.py on `jobs` (one process for every case) and returns its
  /// results by case name; the jobs and results files go in `dir`.
  static func runParityDriver(_ jobs: [[String: Any]], in dir: URL) throws -> [String: [String: Any]] {
    let jobsFile = dir.appendingPathComponent("jobs.json"), resultsFile = dir.appendingPathComponent("results.json")
    try JSONSerialization.data(withJSONObject: jobs, options: [.prettyPrinted]).write(to: jobsFile)
    let driver = root.appendingPathComponent("Tests/FlowcExportTests/Support/parity.py").path
    let python = try run("python3", [driver, jobsFile.path, resultsFile.path], timeout: 900)
    try #require(python.status == 0, "parity.py: \(python.stderr)")
    return try JSONSerialization.jsonObject(with: Data(contentsOf: resultsFile)) as! [String: [String: Any]]
  }

  /// Exports the spec at `spec` to `package`.
  static func export(_ spec: URL, to package: URL, overrides: [String] = []) throws -> ValidatedGraph {
    let check = Pipeline.check(path: spec.path, options: Pipeline.Options(overrides: overrides))
    guard let v = check.validated else {
      struct Invalid: Error, CustomStringConvertible { var description: String }
      throw Invalid(description: check.diagnostics.sorted.map(\.description).joined(separator: "\n"))
    }
    let origin = ExportOrigin(specText: String(decoding: check.source!.bytes, as: UTF8.self), specPath: spec.path,
                              overrides: overrides, flowcVersion: FlowcRun.flowcVersion)
    try exportPyTorch(v, origin: origin).write(to: package.path)
    return v
  }
}
