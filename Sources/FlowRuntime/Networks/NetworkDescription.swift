import FlowRandom

/// The plain-data description of a conditioner network (`MLPDescription`,
/// `ConvNetDescription`): its flat input and output widths and how to build it.
///
/// Couplings and learned priors take `any NetworkDescription`, so a new network kind is its
/// own description and class, with no change to the layers that use it.
public protocol NetworkDescription: Sendable {
  /// Width of an input row.
  var inputs: Int { get }
  /// Width of an output row.
  var outputs: Int { get }
  /// Whether two descriptions describe the same network (for `Hashable` layer descriptions
  /// holding `any NetworkDescription`).
  func isEqual(to other: any NetworkDescription) -> Bool
  /// Feeds the description into `hasher`.
  func hash(into hasher: inout Hasher)
  /// The network in precision `T`, every parameter name prefixed by `namePrefix`
  /// (`scale_net.`), initial values drawn from `rng`.
  func makeNetwork<T: FlowScalar>(_: T.Type, namePrefix: String, rng: inout Xoshiro256) -> any ConditionerNetwork<T>
}

extension NetworkDescription where Self: Hashable {
  /// Equal when `other` is the same type with equal fields.
  public func isEqual(to other: any NetworkDescription) -> Bool {
    guard let o = other as? Self else { return false }
    return self == o
  }
}
