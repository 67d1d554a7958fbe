/// Named tensors whose names and shapes are known up front and whose values are read one
/// tensor at a time, already in the scalar type of the model they are loaded into: a
/// checkpoint on disk (FlowcRun's `CheckpointTensors`, which reads each tensor from the
/// file only when it is asked for) or tensors held in memory (`[NamedTensor]`).
///
/// `load(_:into:strict:)` reads from one, so loading a model never holds more than one
/// tensor's values beside the model's own; reading a whole checkpoint as `[NamedTensor]`
/// first (Double values) held twice the file in memory, for a 27.7 M-parameter flow with
/// its Adam moments 0.7 GB on top of the model.
public protocol TensorSource {
  /// The tensors' names and shapes, in order.
  var layouts: [(name: String, shape: [Int])] { get }
  /// The values of tensor `layouts[index]`, row-major, converted to `T`.
  /// - Throws: whatever reading them can (a file's I/O error), naming where.
  func values<T: FlowScalar>(at index: Int, as type: T.Type) throws -> [T]
}

/// Tensors in memory are a source whose reads cannot fail.
extension Array: TensorSource where Element == NamedTensor {
  public var layouts: [(name: String, shape: [Int])] { map { ($0.name, $0.shape) } }

  public func values<T: FlowScalar>(at index: Int, as type: T.Type) -> [T] {
    self[index].values.map { T($0) }
  }
}
