extension MLP {
  /// `description.inputs`.
  public var inputCount: Int { description.inputs }
  /// `description.outputs`.
  public var outputCount: Int { description.outputs }
  /// None: an MLP has no state besides its weights and biases.
  public var buffers: [Buffer<T>] { [] }
}
