/// A trainable tensor owned by a layer: its values and a same-shaped gradient buffer.
///
/// Layers create their parameters once and keep them; `backward` adds into `gradient`
/// (so gradients of several batches can be accumulated), optimizers read `gradient`
/// and update `value` in place. A class, so that a layer, its flow and the optimizer
/// all see one set of numbers.
public final class Parameter<T: FlowScalar> {
  /// The name within its owner (`scale_net.0.weight`); owners prefix their own path.
  public let name: String
  /// The tensor's shape (PyTorch order: a linear weight is [out, in]).
  public let shape: [Int]
  /// The values, row-major.
  public var value: [T]
  /// The gradient of the loss with respect to `value`, same layout.
  public var gradient: [T]

  /// A parameter with the given values (count must equal the product of `shape`).
  public init(name: String, shape: [Int], value: [T]) {
    precondition(value.count == shape.reduce(1, *), "parameter '\(name)' has \(value.count) values for shape \(shape)")
    self.name = name
    self.shape = shape
    self.value = value
    self.gradient = [T](repeating: 0, count: value.count)
  }

  /// A zero-filled parameter of the given shape.
  public convenience init(name: String, shape: [Int]) {
    self.init(name: name, shape: shape, value: [T](repeating: 0, count: shape.reduce(1, *)))
  }

  /// Number of scalars.
  public var count: Int { value.count }

  /// Sets the gradient to zero without reallocating.
  @inlinable
  public func zeroGradient() {
    gradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
  }
}

/// A non-trainable tensor owned by a layer: running statistics, fixed permutation
/// matrices, initialisation flags. Saved and restored with the parameters.
public final class Buffer<T: FlowScalar> {
  /// The name within its owner (`running_mean`, `initialized`).
  public let name: String
  /// The tensor's shape ([] for a scalar).
  public let shape: [Int]
  /// The values, row-major.
  public var value: [T]
  /// Whether the values are structural, fixed when the layer is built from its
  /// description (a MADE's masks and order): saved with the state for other readers, and
  /// on loading checked to be equal instead of overwritten.
  public let isFixed: Bool

  /// A buffer with the given values (count must equal the product of `shape`).
  public init(name: String, shape: [Int], value: [T], isFixed: Bool = false) {
    precondition(value.count == shape.reduce(1, *), "buffer '\(name)' has \(value.count) values for shape \(shape)")
    self.name = name
    self.shape = shape
    self.value = value
    self.isFixed = isFixed
  }
}
