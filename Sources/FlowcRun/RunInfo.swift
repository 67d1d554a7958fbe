import Foundation

/// `run.json`: how a run was started and where it stands. Written when the run starts
/// and rewritten when its status changes, so an interrupted or diverged run says so.
package struct RunInfo: Codable, Sendable {
  /// `running` while training (or dead, if nobody holds run.lock: `RunLock`),
  /// `completed`, `interrupted` (Ctrl-C, resumable), `diverged` (the loss became NaN,
  /// infinite or exploded), `failed` (an error stopped it, or its result failed a check:
  /// the round trip, a non-finite test NLL; `message` says which).
  package enum Status: String, Codable, Sendable {
    case running, completed, interrupted, diverged, failed
  }

  package var flowcVersion: String
  /// The spec file the run was started from (its text is copied to spec.yaml).
  package var specPath: String
  /// `--set` overrides, in order; resuming applies them again.
  package var overrides: [String]
  /// OpenBLAS threads (per worker).
  package var threads: Int
  /// `--workers`: batch slices trained at once, one thread each; nil in runs of flowc
  /// versions before workers (one).
  package var workers: Int?
  /// The OpenBLAS kernel the run trained on (`openblas_get_corename()`), e.g. `Haswell`.
  package var blasCore: String
  /// Who chose the kernel: `flowc` (from cpuid), `environment` (OPENBLAS_CORETYPE)
  /// or `library` (OpenBLAS itself); nil in runs of flowc versions before the choice.
  package var blasKernelSource: String?
  /// Why that kernel, and how flowc's product check went (`BLASKernelSelection.reason`).
  package var blasKernelReason: String?
  package var started: String
  package var status: Status
  /// Training steps done when status was last written.
  package var step: Int
  package var totalSteps: Int
  /// Why the run stopped, for interrupted, diverged and failed runs.
  package var message: String?
  /// The process training the run (for messages; `run.lock` tells whether it lives).
  package var pid: Int?
  /// When run.json was last written (ISO 8601): at the start, at every checkpoint and at
  /// the end.
  package var updated: String?
  /// The absolute folder relative data paths are read from (the spec file's folder when
  /// the run started), so `--resume` reads the same files from any directory.
  package var dataDirectory: String?

  package static func read(_ path: String) throws -> RunInfo {
    try RunFileJSON.read(RunInfo.self, from: path)
  }

  package func write(to path: String) throws {
    try RunFileJSON.write(self, to: path)
  }
}

/// The flowc version recorded in runs and checkpoints.
package let flowcVersion = "0.1.0"
