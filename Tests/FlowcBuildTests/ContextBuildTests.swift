import FlowcBuild
import FlowcIR
import FlowcTestSupport
import FlowRuntime
import Foundation
import Testing

/// A conditional spec through the build stage: every conditioner kind gets the context,
/// the IR's parameter count is the runtime's, every tensor is documented, and `check
/// --numeric` passes with a fixed context.
@Suite struct ContextBuildTests {
  /// Every conditioner kind on a [1, 4, 4] image (the conv coupling needs one), an
  /// embedded context and a conditional prior.
  static let spec = """
    shape: [1, 4, 4]
    prior: conditional_normal
    templates:
      mlp: {hidden: [6], activation: tanh}
      conv: {type: conv, kernels: [3, 1], channels: 4, norm: none}
    flow:
      - {kind: affine_coupling, keep: checkerboard, scale: mlp, shift: mlp}
      - {kind: additive_coupling, keep: flip, net: mlp, net_io: split}
      - {kind: affine_coupling, keep: checkerboard, net: conv}
      - {kind: spline_coupling, keep: flip, net: mlp, bins: 4}
      - {kind: maf, net: {hidden: [20]}}
      - {kind: iaf, net: {hidden: [20]}}
    data:
      source: npy
      path: x.npy
      labels: labels-idx1-ubyte
      context: {encoding: embedding, num_classes: 5, embedding_width: 3}
    train: {steps: 10}
    """

  @Test func everyConditionerReadsTheContextAndTheCountsAgree() throws {
    let v = try graph(Self.spec)
    for node in v.graph.nodes { for net in node.op.nets { #expect(net.context == 3, "%\(node.index) \(net.role)") } }
    #expect(v.graph.prior.contextWidth == 3)
    let description = flowDescription(v, seed: 0)
    #expect(description.context == .embedding(classes: 5, width: 3))
    let flow = buildFlow(description, as: Double.self)
    #expect(flow.parameterCount == v.graph.parameterCount)
    #expect(emitIRText(v).contains("context embedding(5 → 3)"))
    #expect(emitIRText(v).contains("+context 3"))
  }

  @Test func everyContextTensorIsDocumented() throws {
    let v = try graph(Self.spec)
    let flow = buildFlow(flowDescription(v, seed: 0), as: Double.self)
    let names = flow.namedTensors().map(\.name)
    let context = names.filter { $0.contains("context") || $0.hasPrefix("prior.") }
    #expect(context.count == 1 + 4 + 7)  // the table, the prior's four, one per network (seven: two for separate nets)
    for name in context {
      let documented = name.split(separator: ".").map { $0.allSatisfy(\.isNumber) ? "i" : String($0) }.joined(separator: ".")
      #expect(LayerKindCoverageTests.checkpointDocs.contains("`\(documented)`"), "docs/checkpoint.md lacks `\(documented)`")
    }
  }

  @Test func numericCheckPassesWithAFixedContext() throws {
    let report = numericCheck(try graph(Self.spec))
    #expect(report.passed, "\(report.rows.map { "\($0.kind) \($0.roundTrip) \($0.logDetError ?? 0)" })")
  }

  @Test func anUnconditionalSpecBuildsWithoutAContext() throws {
    let v = try graph(moonsSpec(flow: "  - {kind: affine_coupling, keep: [1, 0], net: net}\n  - {kind: affine_coupling, keep: flip, net: net}"))
    #expect(flowDescription(v, seed: 0).context == nil)
    #expect(v.graph.nodes.allSatisfy { $0.op.nets.allSatisfy { $0.context == 0 } })
  }
}
