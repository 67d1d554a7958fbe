import FlowRandom

extension MLPDescription: NetworkDescription {
  /// An `MLP` named as an `nn.Sequential` under `namePrefix` (`net.0.weight`, `net.2.bias`, ...).
  public func makeNetwork<T: FlowScalar>(_: T.Type, namePrefix: String, rng: inout Xoshiro256) -> any ConditionerNetwork<T> {
    MLP<T>(self, namePrefix: namePrefix, rng: &rng)
  }
}
