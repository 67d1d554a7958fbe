import FlowcBuild
import FlowcIR
import FlowcTestSupport
import FlowRuntime
import Testing

/// The IR's account of a MADE (`MADEConnectivity`: degrees, the masked weight count, which
/// inputs reach which outputs) is the same as the masks the runtime builds (`MADEDegrees`),
/// and a random order is drawn per node, so the copies a repeat makes differ.
@Suite struct AutoregressiveBuildTests {
  static func spec(dim: Int, layers: String) -> String {
    """
    dim: \(dim)
    prior: standard_normal
    flow:
    \(layers)
    data: {source: csv, path: x.csv}
    train: {steps: 10}
    """
  }

  @Test(arguments: [(6, [4, 9]), (6, [12]), (5, [2, 7]), (3, []), (1, [3]), (7, [6, 6, 3])])
  func irAndRuntimeAgreeOnTheMasks(dim: Int, hidden: [Int]) throws {
    let result = check(Self.spec(dim: dim, layers: "  - {kind: maf, net: {hidden: \(hidden)}, order: random, seed: 2}"))
    let v = try #require(result.validated, "\(result.diagnostics.sorted.map(\.description))")
    let op = try #require(v.graph.nodes[0].op as? MAFOp)
    let ar = op.autoregressive
    let degrees = try #require(ar.inputDegrees(dimension: dim))
    #expect(degrees == MADEDegrees.input(order: ar.order))
    for w in hidden { #expect(MADEConnectivity.hiddenDegrees(width: w, dimension: dim) == MADEDegrees.hidden(width: w, dimension: dim)) }

    let masks = MADEDegrees.masks(order: ar.order, hidden: hidden, parametersPerDimension: 2, as: Double.self)
    let connectivity = MADEConnectivity(inputDegrees: degrees, hidden: hidden)
    #expect(connectivity.maskedWeights(2) == masks.reduce(0) { $0 + $1.count { $0 == 0 } })

    // Which inputs reach each dimension's outputs, by boolean products of the masks.
    var reach = (0..<dim).map { i in (0..<dim).map { $0 == i } }  // reach[unit][input], units of the layer below
    for m in masks {
      let out = m.count / reach.count
      reach = (0..<out).map { o in (0..<dim).map { i in reach.indices.contains { m[o * reach.count + $0] == 1 && reach[$0][i] } } }
    }
    let (affected, missing) = connectivity.missingInputs(limit: dim, inputLimit: dim)
    #expect(affected == missing.count)
    for i in 0..<dim {
      let seen = Set((0..<dim).filter { reach[2 * i][$0] || reach[2 * i + 1][$0] })
      let before = Set(ar.order.prefix { $0 != i })
      #expect(seen.isSubset(of: before), "dimension \(i) sees \(seen), not only the earlier \(before)")
      let notSeen = missing.first { $0.output == i }.map { Set($0.inputs) } ?? []
      #expect(seen == before.subtracting(notSeen), "dimension \(i): sees \(seen), the IR says \(before.subtracting(notSeen))")
    }
    #expect(connectivity.narrowest != nil || missing.isEmpty)
  }

  @Test func randomOrdersDifferPerNodeAndAreInTheIR() throws {
    let v = try graph(Self.spec(dim: 6, layers: """
        - repeat: 3
          layers:
            - {kind: iaf, net: {hidden: [8]}, order: random, seed: 5}
      """))
    let orders = v.graph.nodes.map { ($0.op as! IAFOp).autoregressive.order }
    #expect(Set(orders).count == 3, "\(orders)")
    let text = emitIRText(v)
    #expect(text.contains("order random(seed 5, node 0): "))
    #expect(text.contains("order random(seed 5, node 2): "))
    // The runtime gets the same orders.
    let flow = buildFlow(flowDescription(v, seed: 0), as: Double.self)
    let stored = flow.namedTensors().filter { $0.name.hasSuffix(".order") }.map { $0.values.map { Int($0) } }
    #expect(stored == orders)
  }

  @Test func estimateCountsTheSequentialPasses() throws {
    let maf = try graph(Self.spec(dim: 4, layers: "  - {kind: maf, net: {hidden: [10]}}"))
    let iaf = try graph(Self.spec(dim: 4, layers: "  - {kind: iaf, net: {hidden: [10]}}"))
    let f = 2 * (4 * 10 + 10 * 8)  // one MADE pass
    #expect(maf.estimate.flopsPerSample == f && maf.estimate.samplingFlopsPerSample == 4 * f)
    #expect(maf.estimate.trainingFlopsPerStep == 3 * f * 128)
    #expect(iaf.estimate.flopsPerSample == 4 * f && iaf.estimate.samplingFlopsPerSample == f)
    #expect(iaf.estimate.trainingFlopsPerStep == (2 * 4 + 2) * f * 128)
    #expect(emitIRText(maf).contains("autoregressive: sampling runs 4 sequential passes in %0 (maf)"))
    #expect(emitIRText(iaf).contains("autoregressive: density runs 4 sequential passes in %0 (iaf), and so does training"))
    #expect(emitGraphJSON(iaf).contains("\"sampling_flops_per_sample\": \(f)"))
  }

  /// The narrow-MADE warning names what is cut off with bounded work and text, even for
  /// a large D.
  @Test func narrowWarningIsBoundedForLargeDimensions() throws {
    // Evaluation batches of 10 rows: at D = 200,000 the default 1,000 are over the budget.
    let result = check(Self.spec(dim: 200_000, layers: "  - {kind: maf, net: {hidden: [3]}, order: reversed}")
      + "\neval: {batch_size: 10}")
    #expect(result.validated != nil)
    let d = try #require(result.diagnostics.diagnostics.first { $0.id == "made-narrow-hidden" })
    #expect(d.message.count < 400, "\(d.message)")
    #expect(d.message.contains("fewer than D - 1 = 199999"))
    #expect(d.message.contains("so dimension 199995 is modelled without 199996; 199994 without 199996,199995;"), "\(d.message)")
    #expect(d.message.contains("; and 199993 more"), "\(d.message)")
  }
}
