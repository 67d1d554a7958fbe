/// One named tensor of a flow's or an optimizer's state, as a checkpoint stores it.
///
/// Values are held as `Double` whatever the flow's dtype: every `Float` is exactly a
/// `Double`, so a float32 flow round-trips bit for bit, and integer state (an
/// optimizer's step count, an `initialized` flag) is exact up to 2^53.
public struct NamedTensor: Sendable, Equatable, Codable {
  /// What a tensor is for, so that a checkpoint writer can group them.
  public enum Role: String, Sendable, Codable {
    /// A trainable parameter (has a gradient).
    case parameter
    /// Non-trainable layer state (running statistics, init flags, fixed matrices).
    case buffer
    /// Optimizer state (moments, momentum buffers, the step count).
    case optimizer
  }

  /// The stable PyTorch-like path, e.g. `layers.3.scale_net.0.weight`.
  public var name: String
  /// The shape ([] for a scalar).
  public var shape: [Int]
  /// What kind of state this is.
  public var role: Role
  /// The values, row-major.
  public var values: [Double]

  /// A named tensor (values count must equal the product of `shape`).
  public init(name: String, shape: [Int], role: Role, values: [Double]) {
    precondition(values.count == shape.reduce(1, *), "tensor '\(name)' has \(values.count) values for shape \(shape)")
    self.name = name
    self.shape = shape
    self.role = role
    self.values = values
  }
}

/// Why a set of named tensors could not be loaded.
public enum StateLoadError: Error, Equatable, CustomStringConvertible {
  /// A tensor the model needs is absent.
  case missing(String)
  /// A tensor has another shape than the model's.
  case shapeMismatch(name: String, expected: [Int], found: [Int])
  /// A tensor names nothing in the model.
  case unexpected(String)
  /// A fixed (structural) tensor differs from the one the model's description builds.
  case fixedMismatch(String)

  /// A one-line explanation.
  public var description: String {
    switch self {
    case .missing(let n): return "state has no tensor '\(n)'"
    case .shapeMismatch(let n, let e, let f): return "tensor '\(n)' has shape \(f), expected \(e)"
    case .unexpected(let n): return "state tensor '\(n)' matches nothing in the model"
    case .fixedMismatch(let n):
      return "tensor '\(n)' differs from the one the model's description fixes (a mask or an order is structural, not learned)"
    }
  }
}

/// A read/write handle on one tensor of live state, used to build and apply
/// `NamedTensor` lists without copying layer internals around.
public struct StateSlot<T: FlowScalar> {
  /// The full dotted name.
  public let name: String
  /// The tensor's shape.
  public let shape: [Int]
  /// What kind of state this is.
  public let role: NamedTensor.Role
  /// Whether loading checks the values are equal instead of writing them (`Buffer.isFixed`).
  public let isFixed: Bool
  /// Reads the current values.
  public let get: () -> [T]
  /// Overwrites the values (count already checked).
  public let set: ([T]) -> Void

  /// A slot over a parameter's values.
  public init(prefix: String, parameter p: Parameter<T>) {
    name = prefix + p.name
    shape = p.shape
    role = .parameter
    isFixed = false
    get = { p.value }
    set = { p.value = $0 }
  }

  /// A slot over a buffer's values.
  public init(prefix: String, buffer b: Buffer<T>) {
    name = prefix + b.name
    shape = b.shape
    role = .buffer
    isFixed = b.isFixed
    get = { b.value }
    set = { b.value = $0 }
  }

  /// A slot over arbitrary storage.
  public init(name: String, shape: [Int], role: NamedTensor.Role, get: @escaping () -> [T], set: @escaping ([T]) -> Void) {
    self.name = name
    self.shape = shape
    self.role = role
    self.isFixed = false
    self.get = get
    self.set = set
  }

  /// The current values as a `NamedTensor`.
  public func snapshot() -> NamedTensor {
    NamedTensor(name: name, shape: shape, role: role, values: get().map { Double($0) })
  }
}

/// Reads every slot into named tensors, in slot order.
public func snapshot<T>(_ slots: [StateSlot<T>]) -> [NamedTensor] { slots.map { $0.snapshot() } }

/// Writes the tensors of `source` into `slots` by name. Every slot must be present with
/// its shape; with `strict`, a tensor that matches no slot is an error too. Fixed slots
/// are compared, not written: a different value is an error. Nothing is written unless
/// every check passes (names and shapes come from `source.layouts`, so only the fixed
/// slots' values are read before the first write); then each slot's values are read and
/// written in turn, one tensor in memory at a time.
public func load<T>(_ source: some TensorSource, into slots: [StateSlot<T>], strict: Bool = true) throws {
  let layouts = source.layouts
  var byName: [String: Int] = [:]
  for (i, layout) in layouts.enumerated() { byName[layout.name] = i }
  for s in slots {
    guard let i = byName[s.name] else { throw StateLoadError.missing(s.name) }
    guard layouts[i].shape == s.shape else { throw StateLoadError.shapeMismatch(name: s.name, expected: s.shape, found: layouts[i].shape) }
    if s.isFixed, try source.values(at: i, as: T.self) != s.get() { throw StateLoadError.fixedMismatch(s.name) }
  }
  if strict {
    let known = Set(slots.map(\.name))
    if let extra = layouts.first(where: { !known.contains($0.name) }) { throw StateLoadError.unexpected(extra.name) }
  }
  for s in slots where !s.isFixed { s.set(try source.values(at: byName[s.name]!, as: T.self)) }
}
