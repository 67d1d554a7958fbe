/// A bijector by its concrete class, so that `Composed` calls each layer's own
/// (specialised) methods instead of the protocol witnesses.
///
/// Calls through `any Bijector<T>` land in the generic, unspecialised implementation
/// (a witness of a generic class's conformance is generic), which runs every
/// arithmetic operation through the `FlowScalar` witness table, an order of magnitude
/// slower. Switching over concrete classes lets the optimiser specialise the whole
/// call tree once the flow's scalar type is known. Layer kinds defined outside
/// FlowRuntime fall back to the protocol (`other`).
enum LayerReference<T: FlowScalar> {
  /// A `AffineCoupling`.
  case affine(AffineCoupling<T>)
  /// A `AdditiveCoupling`.
  case additive(AdditiveCoupling<T>)
  /// A `DiagonalScaling`.
  case scaling(DiagonalScaling<T>)
  /// A `Permutation`.
  case permutation(Permutation<T>)
  /// A `ActNorm`.
  case actNorm(ActNorm<T>)
  /// A `BatchNorm`.
  case batchNorm(BatchNorm<T>)
  /// A `LULinear`.
  case luLinear(LULinear<T>)
  /// A `Elementwise`.
  case elementwise(Elementwise<T>)
  /// A `Composed`.
  case composed(Composed<T>)
  /// A layer of a kind defined elsewhere, called through the protocol.
  case other(any Bijector<T>)

  /// Classifies `layer` by its dynamic type.
  init(_ layer: any Bijector<T>) {
    switch layer {
    case let l as AffineCoupling<T>: self = .affine(l)
    case let l as AdditiveCoupling<T>: self = .additive(l)
    case let l as DiagonalScaling<T>: self = .scaling(l)
    case let l as Permutation<T>: self = .permutation(l)
    case let l as ActNorm<T>: self = .actNorm(l)
    case let l as BatchNorm<T>: self = .batchNorm(l)
    case let l as LULinear<T>: self = .luLinear(l)
    case let l as Elementwise<T>: self = .elementwise(l)
    case let l as Composed<T>: self = .composed(l)
    default: self = .other(layer)
    }
  }

  /// `Bijector.forward` of the referenced layer.
  @inline(__always)
  func forward(_ x: Matrix<T>) -> (Matrix<T>, [T]) {
    switch self {
    case .affine(let l): return l.forward(x)
    case .additive(let l): return l.forward(x)
    case .scaling(let l): return l.forward(x)
    case .permutation(let l): return l.forward(x)
    case .actNorm(let l): return l.forward(x)
    case .batchNorm(let l): return l.forward(x)
    case .luLinear(let l): return l.forward(x)
    case .elementwise(let l): return l.forward(x)
    case .composed(let l): return l.forward(x)
    case .other(let l): return l.forward(x)
    }
  }

  /// `Bijector.inverse` of the referenced layer.
  @inline(__always)
  func inverse(_ y: Matrix<T>) -> (Matrix<T>, [T]) {
    switch self {
    case .affine(let l): return l.inverse(y)
    case .additive(let l): return l.inverse(y)
    case .scaling(let l): return l.inverse(y)
    case .permutation(let l): return l.inverse(y)
    case .actNorm(let l): return l.inverse(y)
    case .batchNorm(let l): return l.inverse(y)
    case .luLinear(let l): return l.inverse(y)
    case .elementwise(let l): return l.inverse(y)
    case .composed(let l): return l.inverse(y)
    case .other(let l): return l.inverse(y)
    }
  }

  /// `Bijector.forwardRecording` of the referenced layer.
  @inline(__always)
  func forwardRecording(_ x: Matrix<T>) -> (Matrix<T>, [T]) {
    switch self {
    case .affine(let l): return l.forwardRecording(x)
    case .additive(let l): return l.forwardRecording(x)
    case .scaling(let l): return l.forwardRecording(x)
    case .permutation(let l): return l.forwardRecording(x)
    case .actNorm(let l): return l.forwardRecording(x)
    case .batchNorm(let l): return l.forwardRecording(x)
    case .luLinear(let l): return l.forwardRecording(x)
    case .elementwise(let l): return l.forwardRecording(x)
    case .composed(let l): return l.forwardRecording(x)
    case .other(let l): return l.forwardRecording(x)
    }
  }

  /// `Bijector.backward` of the referenced layer.
  @inline(__always)
  func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    switch self {
    case .affine(let l): return l.backward(dY: dY, dLogAbsDet: dLogAbsDet)
    case .additive(let l): return l.backward(dY: dY, dLogAbsDet: dLogAbsDet)
    case .scaling(let l): return l.backward(dY: dY, dLogAbsDet: dLogAbsDet)
    case .permutation(let l): return l.backward(dY: dY, dLogAbsDet: dLogAbsDet)
    case .actNorm(let l): return l.backward(dY: dY, dLogAbsDet: dLogAbsDet)
    case .batchNorm(let l): return l.backward(dY: dY, dLogAbsDet: dLogAbsDet)
    case .luLinear(let l): return l.backward(dY: dY, dLogAbsDet: dLogAbsDet)
    case .elementwise(let l): return l.backward(dY: dY, dLogAbsDet: dLogAbsDet)
    case .composed(let l): return l.backward(dY: dY, dLogAbsDet: dLogAbsDet)
    case .other(let l): return l.backward(dY: dY, dLogAbsDet: dLogAbsDet)
    }
  }
}
