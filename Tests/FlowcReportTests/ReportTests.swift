import FlowPlot
import FlowRandom
import FlowcReport
import FlowcRun
import Foundation
import PNGTestSupport
import Testing

/// Figures, report.html, run records and the runs table of a real (tiny) run made in
/// process.
@Suite(.serialized) struct ReportModuleTests {
  static func moonsRun() throws -> (root: String, run: RunDirectory, final: Runner.FinalMetrics) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-report-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let spec = """
      dim: 2
      name: tiny
      prior: standard_normal
      templates: {net: {hidden: [8], activation: tanh}}
      flow:
        - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}
        - {kind: affine_coupling, keep: flip, scale: net, shift: net}
      data: {source: moons, validation_size: 100}
      train: {lr: 3e-3, batch_size: 32, steps: 30, eval_every: 10}
      eval: {test_size: 200, samples: 50}
      """
    try spec.write(toFile: "\(dir)/tiny.yaml", atomically: true, encoding: .utf8)
    let outcome = try Runner.run(Runner.Request(specPath: "\(dir)/tiny.yaml", outputRoot: "\(dir)/runs", threads: 1), log: { _ in })
    guard case .completed(let run, let final) = outcome else { throw RunFileError(path: dir, problem: "\(outcome)", writing: false) }
    return ("\(dir)/runs", run, final)
  }

  @Test func reportShowsTheRunsOwnNumbersAndFigures() throws {
    let (root, run, final) = try Self.moonsRun()
    try ReportHTML.write(run)
    let html = try String(contentsOfFile: "\(run.path)/report.html", encoding: .utf8)
    #expect(html.contains(String(format: "%.6g", final.testNLL ?? .nan)), "report.html lacks the test NLL \(String(describing: final.testNLL))")
    for figure in ["panels.png", "loss.png"] {
      let png = try #require(PNGPixels(path: "\(run.path)/figures/\(figure)"), "\(figure) missing or not a PNG")
      #expect(png.width > 100 && png.height > 100)
    }
    // The run record and the runs table read the same final metrics.
    let record = RunRecord.load(run.path)
    #expect(record.final?.testNLL == final.testNLL)
    #expect(record.status == "completed")
    let table = try RunsTable.load(root: root)
    #expect(table.renderText().contains("tiny"))
  }
}
