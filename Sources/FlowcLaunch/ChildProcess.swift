import FlowcRun
import Foundation

/// A child process of `flowc run --engine pytorch` or `flowc sweep`: started with its
/// output inherited or sent to a log file, waited for, and interrupted on request.
///
/// Ctrl-C reaches the children of the terminal's process group by itself; `interrupt()`
/// forwards it for children started elsewhere (a test runner, a detached shell), and it
/// is safe to call twice.
package final class ChildProcess: @unchecked Sendable {
  package let process = Process()
  private var log: FileHandle?

  /// Starts `executable arguments`, with stdout and stderr appended to `logPath` (nil:
  /// inherited), in `environment` added to the current one.
  package init(_ executable: String, _ arguments: [String], logPath: String? = nil, environment: [String: String] = [:]) throws {
    process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : "/usr/bin/env")
    process.arguments = executable.contains("/") ? arguments : [executable] + arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    if let logPath {
      if !FileManager.default.fileExists(atPath: logPath), !FileManager.default.createFile(atPath: logPath, contents: nil) {
        throw RunFileError(path: logPath, problem: "the log file cannot be created")
      }
      let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
      try handle.seekToEnd()
      process.standardOutput = handle
      process.standardError = handle
      log = handle
    }
    try process.run()
  }

  /// The exit status, after the child has ended (128 + the signal for a child killed by one).
  package var status: Int32 {
    process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
  }

  package var isRunning: Bool { process.isRunning }

  /// Waits for the child to end and returns its status.
  @discardableResult
  package func wait() -> Int32 {
    process.waitUntilExit()
    try? log?.close()
    log = nil
    return status
  }

  /// Asks the child to stop (SIGINT): flowc and train.py then checkpoint and exit 130.
  package func interrupt() {
    if process.isRunning { kill(process.processIdentifier, SIGINT) }
  }

  /// Whether the child is in this process's group, so that a Ctrl-C at the terminal has
  /// reached it already.
  package var sharesProcessGroup: Bool { getpgid(process.processIdentifier) == getpgrp() }
}

/// The path of the running flowc binary, for starting child `flowc run`s.
package func currentExecutable() -> String {
  if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
  let arg = CommandLine.arguments[0]
  if arg.hasPrefix("/") { return arg }
  return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(arg).standardized.path
}

nonisolated(unsafe) private var stopFlag: sig_atomic_t = 0

/// Ctrl-C and SIGTERM for a parent of child processes: noted here (the children get their
/// own signal and checkpoint), so the parent stops starting new ones and reports.
package enum StopRequests {
  package static func install() {
    stopFlag = 0
    signal(SIGINT) { _ in stopFlag = 1 }
    signal(SIGTERM) { _ in stopFlag = 1 }
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
  }

  package static var requested: Bool { stopFlag != 0 }
}

/// Waits until every child has ended, passing a stop request on to the children that did
/// not get the signal themselves (another process group; or, in the same group, still
/// running 10 seconds after the request, as when only this process was signalled).
package func waitForwardingStops(_ children: [ChildProcess]) {
  var requestedAt: Date?
  var forwarded = Set<Int32>()
  while children.contains(where: \.isRunning) {
    if StopRequests.requested {
      let since = requestedAt ?? Date()
      requestedAt = since
      for child in children where child.isRunning && !forwarded.contains(child.process.processIdentifier) {
        if !child.sharesProcessGroup || Date().timeIntervalSince(since) > 10 {
          child.interrupt()
          forwarded.insert(child.process.processIdentifier)
        }
      }
    }
    usleep(50_000)
  }
}
