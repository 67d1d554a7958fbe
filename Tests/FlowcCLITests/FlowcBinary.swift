import Foundation

/// Runs the built `flowc` executable, as a user would, and captures what it prints.
struct FlowcBinary {
  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// The repository root, from this file's path.
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// `flowc` next to the test bundle (`swift build --build-tests` builds both).
  static var executable: URL {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for dir in [beside, beside.deletingLastPathComponent(), root.appendingPathComponent(".build/debug")] {
      let candidate = dir.appendingPathComponent("flowc")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return root.appendingPathComponent(".build/debug/flowc")
  }

  /// Runs `flowc arguments` in the repository root. A run that takes longer than
  /// `timeout` seconds is killed and reported as status -1: a hang is a failure, but
  /// the limit is generous, so no test depends on speed.
  /// `interruptWhen` sends SIGINT (as Ctrl-C does) once the standard error printed so
  /// far satisfies it; `signalWhen` sends `signal` instead (SIGKILL for a crash).
  /// `shellPrefix` runs flowc through `/bin/sh` after those shell commands (`ulimit`).
  /// `environment` sets variables for this run (nil removes one).
  static func run(_ arguments: [String], timeout: TimeInterval = 120, environment changes: [String: String?] = [:],
                  interruptWhen: (@Sendable (String) -> Bool)? = nil,
                  signalWhen: (@Sendable (String) -> Bool)? = nil, signal: Int32 = SIGINT,
                  shellPrefix: String? = nil) throws -> Output {
    let trigger = signalWhen ?? interruptWhen
    let signalNumber = signalWhen == nil ? SIGINT : signal
    let process = Process()
    if let shellPrefix {
      // `sh -c 'PREFIX; exec "$0" "$@"' flowc ARGS`: limits and ignored signals set by
      // the shell carry over to flowc.
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments = ["-c", "\(shellPrefix); exec \"$0\" \"$@\"", executable.path] + arguments
    } else {
      process.executableURL = executable
      process.arguments = arguments
    }
    process.currentDirectoryURL = root
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    for (name, value) in changes { environment[name] = value }
    process.environment = environment
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Drain both pipes while the process runs so a large output cannot block it.
    nonisolated(unsafe) var outData = Data()
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    let pid = process.processIdentifier
    DispatchQueue.global().async {
      var interrupted = false
      while true {
        let chunk = err.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        errData.append(chunk)
        if !interrupted, let trigger, trigger(String(decoding: errData, as: UTF8.self)) {
          kill(pid, signalNumber)
          interrupted = true
        }
      }
      group.leave()
    }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { usleep(10_000) }
    var status = Int32(-1)
    if process.isRunning {
      process.terminate()
    } else {
      status = process.terminationStatus
    }
    group.wait()
    return Output(status: status, stdout: String(decoding: outData, as: UTF8.self),
                  stderr: String(decoding: errData, as: UTF8.self))
  }

  /// Runs `flowc arguments` and SIGKILLs it after `seconds` unless it ended first.
  /// Returns whether it was killed, and its status when it was not.
  static func runKilled(_ arguments: [String], after seconds: Double) throws -> (killed: Bool, status: Int32) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = root
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    process.environment = environment
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning, Date() < deadline { usleep(2_000) }
    guard process.isRunning else { return (false, process.terminationStatus) }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    return (true, process.terminationStatus)
  }

  /// Writes `bytes` to a new temporary file with a name ending in `name`.
  static func temporaryFile(_ name: String, _ bytes: [UInt8]) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
  }
}
