import Foundation

/// `run.json`: how a run was started and where it stands. Written when the run starts
/// and rewritten when its status changes, so an interrupted or diverged run says so.
package struct RunInfo: Codable, Sendable {
  package enum Status: String, Codable, Sendable {
    case running, completed, interrupted, diverged, failed
  }

  package var flowcVersion: String
  /// The spec file the run was started from (its text is copied to spec.yaml).
  package var specPath: String
  /// `--set` overrides, in order; resuming applies them again.
  package var overrides: [String]
  package var threads: Int
  package var blasCore: String
  package var started: String
  package var status: Status
  /// Training steps done when status was last written.
  package var step: Int
  package var totalSteps: Int
  /// Why the run stopped, for interrupted, diverged and failed runs.
  package var message: String?

  package static func read(_ path: String) throws -> RunInfo {
    try RunFileJSON.read(RunInfo.self, from: path)
  }

  package func write(to path: String) throws {
    try RunFileJSON.write(self, to: path)
  }
}

/// The flowc version recorded in runs and checkpoints.
package let flowcVersion = "0.1.0"
