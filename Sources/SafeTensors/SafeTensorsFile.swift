/// The contents of a safetensors file: named tensors in order, plus string metadata.
///
/// The format (https://github.com/huggingface/safetensors):
///
///     8 bytes   N, the header length, little-endian unsigned
///     N bytes   UTF-8 JSON: {"__metadata__": {"key": "value"},
///                            "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}
///               padded with spaces to a multiple of 8 bytes
///     the rest  the data buffer; each tensor's offsets are relative to its start, and the
///               tensors cover it exactly, with no gaps or overlaps
///
/// Names are unique; this is checked when tensors are added, so writing a value cannot fail
/// on its content. Reading is in `SafeTensorsFile+Read.swift`, writing in
/// `SafeTensorsFile+Write.swift`.
public struct SafeTensorsFile: Equatable, Sendable {
  /// The tensors, in the order they are written (and were found in the header when read).
  public private(set) var tensors: [SafeTensor]
  /// Free-form string metadata (the header's `__metadata__`); written with keys sorted.
  public var metadata: [String: String]
  /// The index of each tensor by name.
  private var index: [String: Int]

  /// Creates a file from tensors with distinct names.
  ///
  /// - Throws: `SafeTensorsError` with `duplicateName` when two tensors share a name.
  public init(tensors: [SafeTensor] = [], metadata: [String: String] = [:]) throws {
    self.tensors = []
    self.metadata = metadata
    self.index = [:]
    for tensor in tensors { try append(tensor) }
  }

  /// Adds a tensor at the end.
  ///
  /// - Throws: `SafeTensorsError` with `duplicateName` when a tensor already has its name.
  public mutating func append(_ tensor: SafeTensor) throws {
    guard index[tensor.name] == nil else {
      throw SafeTensorsError(path: nil, .duplicateName(name: tensor.name))
    }
    index[tensor.name] = tensors.count
    tensors.append(tensor)
  }

  /// The tensor named `name`, or `nil`.
  public subscript(name: String) -> SafeTensor? {
    index[name].map { tensors[$0] }
  }

  /// The tensor names, in order.
  public var names: [String] { tensors.map(\.name) }

  /// The tensor named `name`.
  ///
  /// - Throws: `SafeTensorsError` with `missingTensor`, listing the names there are.
  public func tensor(named name: String) throws -> SafeTensor {
    guard let tensor = self[name] else {
      throw SafeTensorsError(path: nil, .missingTensor(name: name, available: names))
    }
    return tensor
  }

  /// Two files are equal when they hold the same tensors in the same order and the same metadata.
  public static func == (a: SafeTensorsFile, b: SafeTensorsFile) -> Bool {
    a.tensors == b.tensors && a.metadata == b.metadata
  }
}
