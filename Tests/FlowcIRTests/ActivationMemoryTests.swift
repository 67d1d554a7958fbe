import FlowcDiagnostics
import FlowcIR
import FlowcSpec
import Testing

/// The memory estimate counts one value per unit for layers whose activation's derivative
/// follows from the output (the runtime's MLP keeps only the output) and two for GELU and
/// softplus, whose backward reads the pre-activation too.
@Suite struct ActivationMemoryTests {
  func activationBytes(_ activation: String) throws -> Int {
    let yaml = """
      version: 1
      name: act
      dim: 2
      prior: standard_normal
      flow:
        - {kind: affine_coupling, keep: [1, 0], net: {hidden: [64, 32], activation: \(activation)}}
        - {kind: affine_coupling, keep: flip, net: {hidden: [64, 32], activation: \(activation)}}
      data: {source: moons}
      train: {batch_size: 10, steps: 1}
      """
    let v = try #require(Pipeline.check(source: SourceFile(path: "act.yaml", text: yaml)).validated)
    return v.estimate.activationBytes
  }

  @Test func preActivationsCountOnlyWhereBackwardReadsThem() throws {
    // Per coupling, batch 10 in float32: its input and output (2 × 2 values per sample),
    // and one net 2 → 64 → 32 → 4 (masked input; scale and shift heads for both
    // dimensions), whose output layer has no activation.
    func couplings(_ net: Int) -> Int { 2 * 10 * 4 * (2 * 2 + net) }
    #expect(try activationBytes("relu") == couplings(64 + 32 + 4))
    #expect(try activationBytes("{leaky_relu: 0.2}") == couplings(64 + 32 + 4))
    #expect(try activationBytes("{elu: 1.0}") == couplings(64 + 32 + 4))
    #expect(try activationBytes("gelu") == couplings(2 * (64 + 32) + 4))
    #expect(try activationBytes("softplus") == couplings(2 * (64 + 32) + 4))
  }
}
