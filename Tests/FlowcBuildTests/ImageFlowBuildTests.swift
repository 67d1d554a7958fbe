import FlowData
import FlowRandom
import FlowcBuild
import FlowcIR
import FlowcTestSupport
import FlowRuntime
import Foundation
import Testing

/// Image flows through the whole pipeline: a spec with squeezes, per-channel ActNorms,
/// both 1×1 convolutions, conv and resnet couplings (split and masked io), and both
/// kinds of split becomes a runtime flow whose parameter count is the IR's, whose layers
/// and whole chain pass the numeric check (multi-scale parking included), and whose
/// widths drop where the splits are.
@Suite struct ImageFlowBuildTests {
  static func spec(shape: [Int], flow: String) throws -> String {
    let count = shape.reduce(1, *)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-image-build-\(UUID().uuidString).npy").path
    var rng = Xoshiro256(seed: 1)
    let values = (0..<(20 * count)).map { _ in Float(rng.nextUniform()) }
    try writeFileBytes(encodeNPY(Dataset(values: values, count: 20, dimension: count, source: "test")), to: path)
    return """
      shape: [\(shape.map(String.init).joined(separator: ", "))]
      prior: standard_normal
      templates:
        glow: {type: conv, kernels: [3, 1, 3], channels: 6, norm: actnorm, init: zero_last}
        res: {type: resnet, blocks: 1, kernel: 3, channels: 4, norm: actnorm}
      flow:
      \(flow)
      data: {source: npy, path: \(path)}
      train: {steps: 10}
      """
  }

  static let glow = """
      - kind: squeeze
      - repeat: 2
        layers:
          - kind: actnorm
          - kind: invertible_conv1x1
          - {kind: affine_coupling, keep: first_half, net: glow, net_io: split, scale_function: sigmoid}
      - {kind: split, prior: learned}
      - kind: squeeze
      - kind: actnorm
      - {kind: invertible_conv1x1, parametrization: plain}
      - {kind: affine_coupling, keep: checkerboard, net: res, net_io: masked}
      - {kind: additive_coupling, keep: checkerboard_odd, net: res, net_io: masked}
      - kind: split
      - {kind: affine_coupling, keep: first_half, net: glow, net_io: split}
    """

  @Test func glowSpecBuildsWithTheIRsParameterCountAndPassesTheNumericCheck() throws {
    let v = try graph(try Self.spec(shape: [1, 8, 8], flow: Self.glow))
    let description = flowDescription(v, seed: 3)
    // [1,8,8] → squeeze [4,4,4] (64) → split keeps [2,4,4] (32) → squeeze [8,2,2] (32)
    // → split keeps [4,2,2] (16).
    let widths = try #require(description.widths)
    #expect(widths.first == 64 && widths.last == 16)
    #expect(Set(widths) == [64, 32, 16])
    let flow = buildFlow(description, as: Double.self)
    #expect(flow.parameterCount == v.graph.parameterCount)
    for (node, layer) in zip(v.graph.nodes, flow.transform.layers) {
      #expect(layer.parameters.reduce(0) { $0 + $1.count } == node.op.parameterCount(input: node.inputShape),
              "%\(node.index) \(node.op.kind)")
      #expect(layer.dimension == node.inputShape.count, "%\(node.index) \(node.op.kind)")
    }
    let report = numericCheck(v, points: 3)
    #expect(report.passed, "\(report.rows)")
    #expect(report.rows.count == v.graph.nodes.count + 1)
  }

  /// The flow trains: a few steps on the tiny images lower the loss, and the learned
  /// split prior's network receives gradients (it starts at zero, so a missing gradient
  /// would leave it there).
  @Test(arguments: [false, true])
  func glowSpecTrains(float32: Bool) throws {
    if float32 { try trains(Float.self) } else { try trains(Double.self) }
  }

  func trains<T: FlowScalar>(_: T.Type) throws {
    let v = try graph(try Self.spec(shape: [1, 8, 8], flow: Self.glow))
    let flow = buildFlow(flowDescription(v, seed: 3), as: T.self)
    var rng = Xoshiro256(seed: 9)
    var batch = Matrix<T>(rows: 16, cols: 64)
    for i in batch.storage.indices { batch.storage[i] = T(rng.nextUniform()) }
    let step = TrainingStep(flow: flow, optimizer: .adam(AdamOptions()), schedule: LearningRateSchedule(base: 3e-3))
    var losses: [Double] = []
    for _ in 0..<30 { losses.append(step.step(batch).loss) }
    #expect(losses.last! < losses.first! - 1, "\(losses)")
    let split = try #require(v.graph.nodes.firstIndex { $0.op.kind == "split" })
    let priorWeights = flow.transform.layers[split].parameters
    #expect(!priorWeights.isEmpty)
    #expect(priorWeights.contains { p in p.value.contains { $0 != 0 } })
    // The trained flow still inverts, in inference mode, on the batch and on new points.
    flow.isTraining = false
    var fresh = Matrix<T>(rows: 40, cols: 64)
    for i in fresh.storage.indices { fresh.storage[i] = T(rng.nextUniform()) }
    for x in [batch, fresh] {
      let back = flow.inverse(flow.forward(x).z).x
      let worst = zip(back.storage, x.storage).map { abs(Double($0) - Double($1)) }.max()!
      #expect(worst < (T.self == Float.self ? 1e-4 : 1e-10), "round trip \(worst)")
    }
  }

  /// The IR's squeeze order (its position map, and what the build uses) is the runtime's.
  @Test func squeezeOrdersAgree() {
    for (c, h, w) in [(1, 2, 2), (1, 28, 28), (3, 4, 6), (8, 14, 2)] {
      #expect(squeezeOrder(channels: c, height: h, width: w) == squeezeIndices(channels: c, height: h, width: w))
    }
  }
}
