import FlowcDiagnostics
import FlowcIR
import FlowcRun
import Foundation

/// What a run directory holds, read without re-running anything: `run.json`, the spec
/// with its overrides checked again, `final.json` and the last line of `metrics.jsonl`.
/// Every part is optional, so an interrupted, diverged or damaged run still loads, with
/// `notes` saying what is missing.
package struct RunRecord {
  package var path: String
  /// The directory's name.
  package var name: String
  package var info: RunInfo?
  /// The check of `spec.yaml` with the overrides of `run.json`.
  package var check: Pipeline.CheckResult?
  package var final: Runner.FinalMetrics?
  /// The last line of `metrics.jsonl`, if any.
  package var lastMetrics: [String: Double]
  /// What could not be read, in words.
  package var notes: [String]

  /// The validated graph, when the spec still checks.
  package var validated: ValidatedGraph? { check?.validated }

  /// `completed`, `interrupted`, ..., `dead` for a run.json that says `running` while no
  /// process trains the run (see `liveness`), or `unreadable` without a run.json.
  package var status: String {
    guard let info else { return "unreadable" }
    return info.status == .running && alive == false ? "dead" : info.status.rawValue
  }

  /// Whether a process still trains the run: its `run.lock` is held (`RunLock`); for a
  /// run without one (older flowc), whether its pid still exists on this machine; nil
  /// when that cannot be told.
  package var alive: Bool?

  /// Whether the run of `info` in `d` is being trained by a live process.
  static func liveness(_ d: RunDirectory, _ info: RunInfo?) -> Bool? {
    guard let info, info.status == .running else { return nil }
    if let held = RunLock.isHeld(d) { return held }
    guard let pid = info.pid else { return nil }
    return kill(pid_t(pid), 0) == 0 || errno == EPERM
  }

  /// Whether `path` looks like a run directory (it has a run.json or a spec.yaml).
  package static func isRunDirectory(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return false }
    let d = RunDirectory(path: path)
    return FileManager.default.fileExists(atPath: d.runInfo) || FileManager.default.fileExists(atPath: d.spec)
  }

  /// Reads every file of the run directory it can.
  package static func load(_ path: String) -> RunRecord {
    let d = RunDirectory(path: path)
    var notes: [String] = []
    let fm = FileManager.default
    var info: RunInfo?
    if fm.fileExists(atPath: d.runInfo) {
      do { info = try RunInfo.read(d.runInfo) } catch { notes.append("run.json is unreadable") }
    } else {
      notes.append("no run.json")
    }
    var check: Pipeline.CheckResult?
    if fm.fileExists(atPath: d.spec) {
      check = Pipeline.check(path: d.spec, options: Pipeline.Options(overrides: info?.overrides ?? [], dataDirectory: info?.dataDirectory,
                                                                     checkDataFiles: false))
      if check?.validated == nil { notes.append("spec.yaml does not check") }
    } else {
      notes.append("no spec.yaml")
    }
    var final: Runner.FinalMetrics?
    if fm.fileExists(atPath: d.final) {
      do {
        final = try RunFileJSON.read(Runner.FinalMetrics.self, from: d.final)
      } catch {
        notes.append("final.json is unreadable")
      }
    } else {
      var why = "no final.json"
      if let info, info.status != .completed { why += " (\(info.status.rawValue) at step \(info.step) of \(info.totalSteps))" }
      notes.append(why)
    }
    var last: [String: Double] = [:]
    if let text = try? String(contentsOfFile: d.metrics, encoding: .utf8),
       let line = text.split(separator: "\n").last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }),
       let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
      for (k, v) in object { if let x = v as? NSNumber { last[k] = x.doubleValue } }
    } else {
      notes.append("no metrics.jsonl lines")
    }
    let alive = liveness(d, info)
    if alive == false, let info {
      notes.append("dead: no process trains it (killed or crashed at step \(info.step)); continue with flowc run --resume \(path)")
    }
    return RunRecord(path: path, name: RunDirectory(path: path).name, info: info, check: check, final: final,
                     lastMetrics: last, notes: notes, alive: alive)
  }

  /// The results `diff` and `runs` show, by key; nil where the run has no value.
  package func metric(_ key: String) -> Double? {
    switch key {
    case "test_nll": return final?.testNLL
    case "test_bpd": return final?.testBitsPerDim
    case "best_val_nll": return final?.bestValidationNLL
    case "final_val_nll": return final?.finalValidationNLL ?? lastMetrics["val_nll"]
    case "val_bpd": return lastMetrics["val_bpd"]
    case "steps": return (final?.steps).map(Double.init) ?? lastMetrics["step"] ?? info.map { Double($0.step) }
    case "training_seconds": return final?.trainingSeconds ?? lastMetrics["elapsed_s"]
    case "parameters": return (final?.parameters ?? validated?.estimate.parameters).map(Double.init)
    case "train_nll": return lastMetrics["train_nll"]
    default: return final == nil ? lastMetrics[key] : nil
    }
  }

  /// The metrics compared side by side, in order, with their labels.
  package static let metricKeys: [(key: String, label: String)] = [
    ("final_val_nll", "final validation NLL"), ("best_val_nll", "best validation NLL"), ("test_nll", "test NLL"),
    ("test_bpd", "test bits/dim"), ("steps", "steps"), ("training_seconds", "training seconds"), ("parameters", "parameters"),
  ]
}
