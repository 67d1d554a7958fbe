import FlowcDiagnostics
import FlowPlot
import FlowcRun
import Foundation

/// `report.html`: one self-contained page per run (or a comparison of runs), the figures
/// inlined as base64 data URIs so it opens in any browser without a network or the run
/// directory beside it.
package enum ReportHTML {
  /// Draws the run's figures and writes `report.html` in its directory; returns its path.
  @discardableResult
  package static func write(_ directory: RunDirectory) throws -> String {
    let figures = try RunFigures.write(directory)
    let path = directory.file("report.html")
    try directory.write(page(title: directory.name, body: runSection(directory, figures)), to: path)
    return path
  }

  /// A side-by-side report of several runs (their loss curves on the same axes) at `output`.
  package static func compare(_ directories: [RunDirectory], to output: String) throws {
    var runs: [(name: String, records: [EvaluationRecord])] = []
    for d in directories { runs.append((d.name, try RunFigures.readMetrics(d.metrics))) }
    var body = "<h2>Loss curves</h2>\n" + image(RunFigures.lossCurves(runs).pngData(), alt: "NLL against steps of every run")
    body += "<h2>Final metrics</h2>\n" + finalTable(directories)
    body += "<h2>Runs</h2>\n<div class=\"side\">\n"
    for d in directories {
      let figures = try RunFigures.write(d)
      body += "<div class=\"run\">\n<h3>\(escape(d.name))</h3>\n"
      for f in figures { body += figure(d, f) }
      body += "</div>\n"
    }
    body += "</div>\n"
    try RunFileIO.write(page(title: "flowc: \(directories.count) runs", body: body), to: output)
  }

  // MARK: - Sections

  static func runSection(_ d: RunDirectory, _ figures: [RunFigure]) -> String {
    var body = ""
    if let info = try? RunInfo.read(d.runInfo) {
      body += "<p>status <b>\(info.status.rawValue)</b>, step \(info.step) of \(info.totalSteps), started \(escape(info.started)),"
        + " spec \(escape(info.specPath))\(info.overrides.isEmpty ? "" : " with " + escape(info.overrides.joined(separator: " ")))"
        + ", \(info.threads) BLAS threads (\(escape(info.blasCore)))</p>\n"
      if let m = info.message { body += "<p>\(escape(m))</p>\n" }
    }
    body += "<h2>Final metrics</h2>\n" + finalTable([d])
    body += "<h2>Figures</h2>\n"
    for f in figures { body += figure(d, f) }
    if let records = try? RunFigures.readMetrics(d.metrics), !records.isEmpty {
      body += "<h2>Metrics</h2>\n<table>\n<tr><th>step</th><th>train NLL</th><th>validation NLL</th><th>val bits/dim</th>"
        + "<th>|g|</th><th>lr</th><th>elapsed s</th></tr>\n"
      for r in records {
        body += "<tr><td>\(r.step)</td><td>\(r.trainNLL.map { formatFixed($0, 4) } ?? "")</td><td>\(r.validationNLL.map { formatFixed($0, 4) } ?? "")</td>"
          + "<td>\(r.validationBitsPerDim.map { formatFixed($0, 3) } ?? "")</td><td>\(formatFixed(r.gradientNorm, 3))</td>"
          + "<td>\(String(format: "%.3g", r.learningRate))</td><td>\(formatFixed(r.elapsedSeconds, 1))</td></tr>\n"
      }
      body += "</table>\n"
    }
    body += "<h2>Spec</h2>\n<pre>\(escape(read(d.spec)))</pre>\n"
    body += "<h2>IR</h2>\n<pre>\(escape(read(d.ir)))</pre>\n"
    return body
  }

  static func finalTable(_ directories: [RunDirectory]) -> String {
    let finals = directories.map { try? RunFileJSON.read(Runner.FinalMetrics.self, from: $0.final) }
    func g(_ x: Double?) -> String { x.map { String(format: "%.6g", $0) } ?? "" }
    let rows: [(String, (Runner.FinalMetrics) -> String)] = [
      ("status", { $0.status?.rawValue ?? "ok" }),
      ("test NLL (nats)", { g($0.testNLL) }), ("test bits/dim", { g($0.testBitsPerDim) }),
      ("best validation NLL", { g($0.bestValidationNLL) }), ("final validation NLL", { g($0.finalValidationNLL) }),
      ("max |g(f(x)) − x|", { g($0.roundTripMaxError) }), ("steps", { "\($0.steps)" }),
      ("parameters", { "\($0.parameters)" }), ("training seconds", { formatFixed($0.trainingSeconds, 1) }),
      ("test points", { $0.testPoints.map(String.init) ?? "" }),
    ]
    guard finals.contains(where: { $0 != nil }) else { return "<p>no final metrics (the run did not complete)</p>\n" }
    var html = "<table>\n<tr><th></th>"
    for d in directories { html += "<th>\(escape(d.name))</th>" }
    html += "</tr>\n"
    for (name, value) in rows where finals.contains(where: { $0.map(value).map { !$0.isEmpty } ?? false }) {
      html += "<tr><td>\(escape(name))</td>"
      for f in finals { html += "<td>\(f.map(value) ?? "")</td>" }
      html += "</tr>\n"
    }
    return html + "</table>\n"
  }

  static func figure(_ d: RunDirectory, _ f: RunFigure) -> String {
    let bytes = (try? Data(contentsOf: URL(fileURLWithPath: d.file(f.file)))) ?? Data()
    return "<figure>\n" + image(Array(bytes), alt: f.caption) + "<figcaption>\(escape(f.caption))</figcaption>\n</figure>\n"
  }

  /// An `<img>` with the PNG inlined as a base64 data URI.
  package static func image(_ png: [UInt8], alt: String) -> String {
    "<img alt=\"\(escape(alt))\" src=\"data:image/png;base64,\(Data(png).base64EncodedString())\">\n"
  }

  /// The whole self-contained page: inline style sheet, no script.
  package static func page(title: String, body: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <title>\(escape(title))</title>
    <style>
    body { font-family: sans-serif; margin: 2em; max-width: 1400px; }
    table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
    pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 12px; }
    img { max-width: 100%; } figure { margin: 1em 0; }
    .side { display: flex; gap: 2em; align-items: flex-start; } .run { flex: 1; min-width: 0; }
    </style>
    </head>
    <body>
    <h1>\(escape(title))</h1>
    \(body)
    </body>
    </html>

    """
  }

  static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

  /// Text escaped for HTML.
  package static func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}
