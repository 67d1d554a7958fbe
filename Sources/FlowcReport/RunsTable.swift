import FlowcDiagnostics
import FlowcDiff
import FlowcIR
import FlowcRun
import Foundation
import SystemPackage

/// `flowc runs`: every run directory under a folder, the settings that differ between
/// them, and their final metrics.
package struct RunsTable {
  /// A setting (or the flow itself) whose value is not the same in every run.
  package struct Column: Sendable {
    package var name: String
    /// One value per run, in `runs` order ("?" where the spec does not check).
    package var values: [String]
  }

  package var runs: [RunRecord]
  package var columns: [Column]

  /// The metrics shown for every run.
  package static let metricKeys = ["test_nll", "best_val_nll", "test_bpd", "steps", "training_seconds"]
  /// What `--sort` accepts.
  package static let sortKeys = ["name", "date", "status"] + metricKeys + ["final_val_nll", "parameters"]

  /// Loads the run directories directly under `root` (sorted by name) and finds the
  /// varying settings.
  package static func load(root: String) throws -> RunsTable {
    let names = try RunFileIO.listDirectory(root).filter { !$0.hasPrefix(".") }.sorted()
    let runs = names.map { FilePath(root).appending($0).string }.filter(RunRecord.isRunDirectory).map(RunRecord.load)
    return RunsTable(runs: runs)
  }

  package init(runs: [RunRecord]) {
    self.runs = runs
    var columns: [Column] = []
    let settings = runs.map { $0.validated.map { settingFields($0.graph) } }
    var names: [String] = []
    for s in settings.compactMap({ $0 }) { for f in s where !names.contains(f.name) { names.append(f.name) } }
    for name in names {
      let values = settings.map { s in s.map { $0.first { $0.name == name }?.value ?? "none" } ?? "?" }
      if Set(values.filter { $0 != "?" }).count > 1 { columns.append(Column(name: name, values: values)) }
    }
    // The flow: runs whose layers mean the same share a letter.
    var letters: [Int: String] = [:]
    let flows = runs.map { r -> String in
      guard let g = r.validated?.graph else { return "?" }
      var h = Hasher()
      for n in g.nodes { h.combine(NodeSignature(n).key) }
      let key = h.finalize()
      if letters[key] == nil { letters[key] = String(UnicodeScalar(UInt8(65 + letters.count % 26))) }
      return "\(letters[key]!): \(g.nodes.count) layers, \(formatCount(r.validated!.estimate.parameters)) params"
    }
    if letters.count > 1 { columns.insert(Column(name: "flow", values: flows), at: 0) }
    self.columns = columns
  }

  /// Sorts by `key` (metrics ascending, missing values last; `date` oldest first).
  package mutating func sort(by key: String) {
    let order: [Int]
    switch key {
    case "name": order = runs.indices.sorted { runs[$0].name < runs[$1].name }
    case "date": order = runs.indices.sorted { (runs[$0].info?.started ?? "~") < (runs[$1].info?.started ?? "~") }
    case "status": order = runs.indices.sorted { runs[$0].status < runs[$1].status }
    default:
      order = runs.indices.sorted { i, j in
        switch (runs[i].metric(key), runs[j].metric(key)) {
        case (let a?, let b?): a < b || (a == b && i < j)
        case (.some, nil): true
        case (nil, .some): false
        default: i < j
        }
      }
    }
    runs = order.map { runs[$0] }
    columns = columns.map { c in Column(name: c.name, values: order.map { c.values[$0] }) }
  }

  /// The table for the terminal.
  package func renderText() -> String {
    guard !runs.isEmpty else { return "no runs\n" }
    var rows: [[Cell]] = [(["run", "date", "status"] + columns.map(\.name) + RunsTable.metricKeys + ["note"]).map { Cell(text: $0) }]
    for (i, r) in runs.enumerated() {
      var row = [Cell(text: r.name), Cell(text: r.info?.started ?? "—"), Cell(text: r.status)]
      row += columns.map { Cell(text: $0.values[i]) }
      row += RunsTable.metricKeys.map { Cell(text: formatResult(r.metric($0))) }
      row.append(Cell(text: r.status == "completed" && r.notes.isEmpty ? "" : r.notes.joined(separator: "; ")))
      rows.append(row)
    }
    return alignedRows(rows, indent: "")
  }

  /// `--format json`.
  package func json() -> JSONValue {
    .object([
      ("format", .string("flowc-runs")), ("version", .int(1)),
      ("varying", .array(columns.map { .string($0.name) })),
      ("runs", .array(runs.enumerated().map { i, r in
        .object([
          ("name", .string(r.name)), ("path", .string(r.path)), ("started", r.info.map { .string($0.started) } ?? .null),
          ("status", .string(r.status)),
          ("settings", .object(columns.map { ($0.name, .string($0.values[i])) })),
          ("metrics", .object((RunsTable.metricKeys + ["final_val_nll", "parameters"]).map { k in
            (k, r.metric(k).map { $0 == $0.rounded() && abs($0) < 1e15 ? JSONValue.int(Int($0)) : .double($0) } ?? .null)
          })),
          ("notes", .array(r.notes.map { .string($0) })),
        ])
      })),
    ])
  }
}
