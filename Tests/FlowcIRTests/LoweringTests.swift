import FlowcTestSupport
import FlowcDiagnostics
import FlowcIR
import FlowcSpec
import Foundation
import Testing

/// Lowering: repeats, templates, mask generators, defaults, parameter counts.
@Suite struct LoweringTests {
  @Test func seedFlowHas804888Parameters() throws {
    let url = repositoryRoot.appendingPathComponent("specs/realnvp-moons.yaml")
    let v = try graph(String(contentsOf: url, encoding: .utf8))
    #expect(v.graph.nodes.count == 6)
    #expect(v.estimate.parameters == 804_888)
    #expect(v.graph.nodes.map { $0.op.mask!.values } == [[0, 1], [1, 0], [0, 1], [1, 0], [0, 1], [1, 0]])
    let net = v.graph.nodes[0].op.nets
    #expect(net.map(\.widths) == [[2, 256, 256, 2], [2, 256, 256, 2]])
    #expect(net[0].outputActivation.value == .tanh)
    #expect(net[1].outputActivation.value == .identity)
    #expect(net[0].activation.value == .leakyReLU(slope: 0.01))
    // The seed's training step: 3 × 2 × (2·256 + 256·256 + 256·2) × 12 nets × batch 100.
    #expect(v.estimate.trainingFlopsPerStep == 3 * 2 * (2 * 256 + 256 * 256 + 256 * 2) * 12 * 100)
  }

  @Test func repeatEqualsWrittenOut() throws {
    let repeated = try graph(moonsSpec(flow: """
        - repeat: 2
          layers:
            - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}
            - {kind: affine_coupling, keep: flip, scale: net, shift: net}
      """))
    let written = try graph(moonsSpec(flow: """
        - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}
        - {kind: affine_coupling, keep: [0, 1], scale: net, shift: net}
        - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}
        - {kind: affine_coupling, keep: [0, 1], scale: net, shift: net}
      """))
    #expect(repeated.graph.nodes.map { $0.op.mask!.values } == written.graph.nodes.map { $0.op.mask!.values })
    #expect(repeated.estimate == written.estimate)
    #expect(repeated.graph.nodes[3].repeats.map(\.iteration) == [2])
  }

  @Test func maskGenerators() throws {
    func masks(_ keep: String, shape: String = "shape: [2, 3]") throws -> [Int] {
      let yaml = """
        \(shape)
        prior: standard_normal
        templates: {net: {hidden: [4]}}
        flow:
          - {kind: affine_coupling, keep: \(keep), scale: net, shift: net}
          - {kind: affine_coupling, keep: flip, scale: net, shift: net}
        data: {source: csv, path: x.csv}
        train: {steps: 1}
        """
      return try graph(yaml).graph.nodes[0].op.mask!.values
    }
    #expect(try masks("first_half") == [1, 1, 1, 0, 0, 0])
    #expect(try masks("second_half") == [0, 0, 0, 1, 1, 1])
    #expect(try masks("even") == [1, 0, 1, 0, 1, 0])
    #expect(try masks("odd") == [0, 1, 0, 1, 0, 1])
    // (row + column) parity on the 2×3 image: row 0 = 1 0 1, row 1 = 0 1 0.
    #expect(try masks("checkerboard") == [1, 0, 1, 0, 1, 0])
    #expect(try masks("checkerboard", shape: "shape: [2, 2]") == [1, 0, 0, 1])
    #expect(try masks("checkerboard_odd", shape: "shape: [2, 2]") == [0, 1, 1, 0])
  }

  /// On a 28×28 image a checkerboard is not "even index" (that gives vertical stripes).
  @Test func checkerboardIsNotStripes() throws {
    let v = try graph(String(contentsOf: repositoryRoot.appendingPathComponent("specs/realnvp-fashion-mnist.yaml"), encoding: .utf8))
    let mask = v.graph.nodes[1].op.mask!.values
    #expect(mask[0] == 1 && mask[1] == 0 && mask[28] == 0 && mask[29] == 1)
    #expect(mask.count { $0 == 1 } == 392)
    #expect(v.graph.nodes[3].op.mask!.values == mask.map { 1 - $0 })
  }

  @Test func templateUseWithOverride() throws {
    let v = try graph(moonsSpec(flow: """
        - {kind: affine_coupling, keep: [1, 0], scale: {use: net, output_activation: tanh}, shift: {use: net, hidden: [16]}}
        - {kind: affine_coupling, keep: flip, net: net, net_io: split}
      """))
    let nets = v.graph.nodes[0].op.nets
    #expect(nets[0].widths == [2, 8, 8, 2] && nets[0].outputActivation.value == .tanh && nets[0].activation.value == .tanh)
    #expect(nets[1].widths == [2, 16, 2] && nets[1].template == "net")
    // A two-headed net in split mode: 1 kept input, 2 × 1 transformed outputs.
    #expect(v.graph.nodes[1].op.nets[0].widths == [1, 8, 8, 2])
  }

  @Test func randomPermutationIsFixedBySeed() throws {
    let spec = { (seed: Int) in
      """
      dim: 6
      prior: standard_normal
      templates: {net: {hidden: [4]}}
      flow:
        - {kind: affine_coupling, keep: even, scale: net, shift: net}
        - {kind: permutation, order: random, seed: \(seed)}
        - {kind: affine_coupling, keep: odd, scale: net, shift: net}
        - {kind: affine_coupling, keep: flip, scale: net, shift: net}
      data: {source: csv, path: x.csv}
      train: {steps: 1}
      """
    }
    guard let a = try graph(spec(1)).graph.nodes[1].op as? PermutationOp,
      let b = try graph(spec(1)).graph.nodes[1].op as? PermutationOp,
      let c = try graph(spec(2)).graph.nodes[1].op as? PermutationOp
    else { Issue.record("not a permutation"); return }
    #expect(a.order == b.order)
    #expect(a.order.sorted() == Array(0..<6))
    #expect(a.order != c.order)
  }

  @Test func defaultsAreFilledIn() throws {
    let v = try graph(moonsSpec(flow: """
        - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}
        - {kind: affine_coupling, keep: flip, scale: net, shift: net}
        - {kind: batch_norm}
      """))
    let t = v.graph.settings.train
    #expect(t.optimizer.value == .adam && t.optimizer.isDefault)
    #expect(t.learningRate.value == 1e-3 && t.betas.value == [0.9, 0.999])
    #expect(v.graph.settings.eval.testSize.value == 10_000)
    guard let bn = v.graph.nodes[2].op as? BatchNormOp else { Issue.record("not batch_norm"); return }
    #expect(bn.momentum.value == 0.1 && bn.epsilon.value == 1e-5)
  }
}
