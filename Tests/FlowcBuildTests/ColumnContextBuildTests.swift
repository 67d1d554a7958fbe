import FlowData
import FlowcBuild
import FlowcIR
import FlowcTestSupport
import FlowRuntime
import Foundation
import Testing

/// A context of named CSV columns through the build stage and the data plan: the
/// encoding is the identity of C values, every conditioner reads them, the counts agree,
/// `check --numeric` passes, and each row keeps its own context through the split.
@Suite struct ColumnContextBuildTests {
  static func spec(path: String = "x.csv", testPath: String? = nil) -> String {
    """
    dim: 2
    prior: conditional_normal
    templates:
      mlp: {hidden: [6], activation: tanh}
    flow:
      - {kind: affine_coupling, keep: [1, 0], net: mlp}
      - {kind: spline_coupling, keep: flip, net: mlp, bins: 4}
      - {kind: maf, net: {hidden: [8]}}
    data:
      source: csv
      path: \(path)
    \(testPath.map { "  test_path: \($0)\n  validation_size: 5" } ?? "  validation_size: 5")
      context: {columns: [t, p]}
    train: {steps: 10}
    eval: {test_size: 10}
    """
  }

  @Test func everyConditionerReadsTheColumnsAndTheCountsAgree() throws {
    let v = try graph(Self.spec())
    for node in v.graph.nodes { for net in node.op.nets { #expect(net.context == 2, "%\(node.index) \(net.role)") } }
    #expect(v.graph.prior.contextWidth == 2)
    let description = flowDescription(v, seed: 0)
    #expect(description.context == .identity(width: 2))
    let flow = buildFlow(description, as: Double.self)
    #expect(flow.parameterCount == v.graph.parameterCount)
    #expect(!flow.namedTensors().contains { $0.name.hasPrefix("context.") })
    let ir = emitIRText(v)
    #expect(ir.contains(" · context columns(t, p) · "), "\(ir)")
    #expect(ir.contains("+context 2"))
    let json = emitGraphJSON(v)
    #expect(json.contains("\"encoding\": \"identity\""), "\(json)")
    #expect(json.contains("\"t\"") && json.contains("\"p\""))
  }

  /// `standardize: true` builds a standardized encoding (statistics as buffers, no
  /// parameter); with a class context it is an unused setting.
  @Test func standardizeBuildsAStandardizedEncoding() throws {
    let v = try graph(Self.spec().replacingOccurrences(of: "columns: [t, p]}", with: "columns: [t, p], standardize: true}"))
    #expect(flowDescription(v, seed: 0).context == .standardized(width: 2))
    #expect(emitIRText(v).contains(" · context columns(t, p) standardized · "))
    let flow = buildFlow(flowDescription(v, seed: 0), as: Float.self)
    #expect(flow.parameterCount == v.graph.parameterCount)
    #expect(flow.namedTensors().filter { $0.name.hasPrefix("context.") }.map(\.name) == ["context.mean", "context.std"])
    #expect(try graph(Self.spec()).graph.settings.data.context?.standardize.value == false)
    let classes = check("""
      dim: 2
      prior: conditional_normal
      flow: [{kind: maf, net: {hidden: [8]}}]
      data:
        source: npy
        path: x.npy
        labels: labels-idx1-ubyte
        context: {num_classes: 3, standardize: true}
      train: {steps: 10}
      """)
    #expect(classes.diagnostics.sorted.map(\.id).filter { $0 != "data-file" } == ["unused-setting"], "\(classes.diagnostics.sorted.map(\.description))")
  }

  @Test func numericCheckPassesWithAFixedRealContext() throws {
    let report = numericCheck(try graph(Self.spec()))
    #expect(report.passed, "\(report.rows.map { "\($0.kind) \($0.roundTrip) \($0.logDetError ?? 0)" })")
  }

  /// Rows x0 = i, t = 10·i, x1 = −i, p = 100·i of a CSV file.
  static func write(_ n: Int, to path: String, from start: Int = 0) throws {
    let rows = (start..<(start + n)).map { i in "\(i),\(10 * i),\(-i),\(100 * i)" }
    try (["x0,t,x1,p"] + rows).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
  }

  /// Each row's context is its own (t, p), after the shuffle and the split.
  static func expectOwnContext(_ d: Dataset, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(d.contextWidth == 2, sourceLocation: sourceLocation)
    for r in 0..<d.count {
      #expect(d.context![2 * r] == 10 * d[r, 0] && d.context![2 * r + 1] == 100 * d[r, 0] && d[r, 1] == -d[r, 0],
              "row \(r)", sourceLocation: sourceLocation)
    }
  }

  @Test func theDataPlanSplitsTheColumnsOffEveryPart() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-columns-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try Self.write(60, to: "\(dir)/train.csv")
    try Self.write(12, to: "\(dir)/test.csv", from: 1000)
    // The test set split from `path`.
    let split = try graph(Self.spec(path: "\(dir)/train.csv")).graph
    let plan = try DataPlan.make(split)
    let rows = try #require(plan.rows).data
    #expect(rows.count == 45 && plan.validation.count == 5 && plan.test.count == 10)
    for set in [rows, plan.validation, plan.test] { Self.expectOwnContext(set) }
    // A training batch carries the context rows of its own rows.
    var p = plan
    var values: [Float] = [], logDet: [Double] = []
    var labels: [Int]? = nil
    var context: [Float]? = []
    let n = p.nextBatch(8, into: &values, logDet: &logDet, labels: &labels, context: &context).rows
    #expect(n == 8 && context!.count == 16)
    for r in 0..<n { #expect(context![2 * r] == 10 * values[2 * r] && context![2 * r + 1] == 100 * values[2 * r]) }
    // A test file reads the same columns.
    let separate = try graph(Self.spec(path: "\(dir)/train.csv", testPath: "\(dir)/test.csv")).graph
    let test = try DataPlan.testSet(separate)
    #expect(test.count == 12 && test[0, 0] >= 1000)
    Self.expectOwnContext(test)
    #expect(try DataPlan.make(separate).test == test)
  }
}
