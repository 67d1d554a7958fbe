import FlowRuntime
import FlowcIR

/// The flow of `v` built in Float64 with the weights and buffers of `flow` (Float32
/// values convert exactly), for judging what a Float32 flow's rounding does: the
/// runner's round trip re-inverts in it the rows the Float32 flow could not.
/// Nil when `flow` is already Float64, or its tensors do not fit the description (they
/// always do when `flow` was built from `v`).
package func float64Replay(of flow: AnyFlow, _ v: ValidatedGraph, seed: Int) -> AnyFlow? {
  guard case .float32 = flow else { return nil }
  let copy = buildFlow(flowDescription(v, seed: seed), as: Double.self)
  do {
    try copy.load(flow.namedTensors())
  } catch {
    return nil
  }
  copy.isTraining = false
  return .float64(copy)
}
