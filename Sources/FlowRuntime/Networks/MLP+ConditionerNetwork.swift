extension MLP {
  /// `description.inputs`.
  public var inputCount: Int { description.inputs }
  /// `description.outputs`.
  public var outputCount: Int { description.outputs }
  /// None: an MLP has no state besides its weights and biases.
  public var buffers: [Buffer<T>] { [] }

  /// Same as `forward`: the activations of every pass are kept for `backward`.
  @discardableResult
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> Matrix<T> { forward(x) }
}
