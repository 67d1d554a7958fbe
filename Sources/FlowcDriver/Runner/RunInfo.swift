import Foundation

/// `run.json`: how a run was started and where it stands. Written when the run starts
/// and rewritten when its status changes, so an interrupted or diverged run says so.
public struct RunInfo: Codable, Sendable {
  public enum Status: String, Codable, Sendable {
    case running, completed, interrupted, diverged, failed
  }

  public var flowcVersion: String
  /// The spec file the run was started from (its text is copied to spec.yaml).
  public var specPath: String
  /// `--set` overrides, in order; resuming applies them again.
  public var overrides: [String]
  public var threads: Int
  public var blasCore: String
  public var started: String
  public var status: Status
  /// Training steps done when status was last written.
  public var step: Int
  public var totalSteps: Int
  /// Why the run stopped, for interrupted, diverged and failed runs.
  public var message: String?

  public static func read(_ path: String) throws -> RunInfo {
    try JSONDecoder().decode(RunInfo.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
  }

  public func write(to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
  }
}

/// The flowc version recorded in runs and checkpoints.
public let flowcVersion = "0.1.0"
