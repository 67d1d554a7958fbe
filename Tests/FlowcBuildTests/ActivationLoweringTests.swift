@testable import FlowcBuild
import FlowcSpec
import FlowRuntime
import Testing

/// The memory estimate (FlowcIR, from the spec's activation) and the runtime's networks
/// (FlowRuntime, from the lowered one) must agree on which layers keep their
/// pre-activations, or `flowc check` mis-states what training holds.
@Suite struct ActivationLoweringTests {
  @Test(arguments: [
    FlowcSpec.Activation.relu, .leakyReLU(slope: 0.01), .leakyReLU(slope: 0), .leakyReLU(slope: -0.2), .tanh,
    .elu(alpha: 1), .elu(alpha: 0), .elu(alpha: -0.5), .gelu, .sigmoid, .softplus, .identity,
  ])
  func estimateAndRuntimeKeepTheSameBuffers(_ a: FlowcSpec.Activation) {
    #expect(a.derivativeFollowsFromOutput == activation(a).derivativeFollowsFromOutput, "\(a.description)")
  }
}
