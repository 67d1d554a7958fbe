import AllocationCounter
import FlowRandom
import FlowRuntime
import Testing

/// The number of heap allocations `body` makes on the calling thread.
func countAllocations(_ body: () -> Void) -> Int {
  allocation_counter_begin()
  body()
  return allocation_counter_end()
}

/// Keeps a value alive so the control allocation is not optimised away.
nonisolated(unsafe) var allocationSink: [Int] = []

/// A training step at a fixed batch size allocates nothing once its buffers exist.
/// (Not under AddressSanitizer or ThreadSanitizer, which own the allocator: .ci/sanitize.)
@Suite(.serialized, .enabled(if: allocation_counter_available() != 0)) struct AllocationTests {
  @Test func theCounterCountsAllocations() {
    let n = countAllocations { allocationSink = [Int](repeating: 1, count: 100) }
    #expect(n >= 1)
  }

  /// A multi-scale Glow-style flow in Float: ActNorm per channel, LU and plain 1×1
  /// convolutions, couplings with plain and residual ConvNets (masked and split), a learned
  /// split, an MLP coupling on the last scale.
  static func glowFlow() -> Flow<Float> {
    let s = ImageShape(c: 4, h: 4, w: 4), half = ImageShape(c: 2, h: 4, w: 4)
    let description = FlowDescription(
      dimension: 64, prior: .standardNormal,
      layers: [
        ActNormDescription(channels: 4),
        InvertibleConv1x1Description(channels: 4, seed: 1),
        AffineCouplingDescription(
          keep: channelSplit(s, channels: 2), io: .split, nets: .shared(convNet(half, out: 4, hidden: 8, .relu)),
          scaleFunction: .sigmoid, clamp: 2),
        AdditiveCouplingDescription(keep: checkerboard(s), io: .masked, net: convNet(s, out: 4, kernels: [3, 3, 3], .relu, blocks: 1)),
        FactorOutDescription(keep: 32, net: convNet(half, out: 4, .relu, zeroInitLast: true)),
        ActNormDescription(channels: 2),
        InvertibleConv1x1Description(channels: 2, parametrization: .plain, seed: 2),
        AffineCouplingDescription(
          keep: (0..<32).map { $0 % 2 == 0 }, io: .split,
          nets: .separate(
            scale: MLPDescription(inputs: 16, hidden: [8], outputs: 16, activation: .tanh),
            shift: MLPDescription(inputs: 16, hidden: [8], outputs: 16, activation: .relu))),
        FactorOutDescription(keep: 16),
        ActNormDescription(),
      ],
      widths: [64, 64, 64, 64, 64, 32, 32, 32, 32, 16], seed: 3)
    return buildFlow(description, as: Float.self)
  }

  @Test func aWarmTrainingStepAllocatesNothing() {
    let flow = Self.glowFlow()
    var rng = Xoshiro256(seed: 1)
    let x = randomMatrix(rows: 8, cols: 64, in: -1...1, rng: &rng).converted(to: Float.self)
    var z = Matrix<Float>(rows: 0, cols: 0)
    func step() {
      flow.zeroGradients()
      _ = flow.lossAndGradients(x)
    }
    // Warm up: the first step initialises the ActNorms and sizes every buffer.
    step()
    step()
    let training = countAllocations {
      step()
      step()
    }
    #expect(training == 0, "\(training) allocations in two warm training steps")
    // Evaluation passes reuse their own buffers as well (z is a copy: holding on to a
    // layer's returned buffer would make its next pass copy instead of reuse).
    z.assign(flow.forward(x).z)
    _ = flow.inverse(z)
    let evaluation = countAllocations {
      _ = flow.transform.forward(x)
      _ = flow.transform.inverse(z)
    }
    #expect(evaluation == 0, "\(evaluation) allocations in a warm forward and inverse pass")
  }
}
