import FlowRandom

/// A prior by its concrete class, so that `Flow` calls specialised code (see
/// `LayerReference` for why the protocol witnesses are avoided in the hot path).
enum PriorReference<T: FlowScalar> {
  /// A `StandardNormal`.
  case standardNormal(StandardNormal<T>)
  /// A `DiagonalNormal`.
  case diagonalNormal(DiagonalNormal<T>)
  /// A `StandardLogistic`.
  case standardLogistic(StandardLogistic<T>)
  /// A prior of a kind defined elsewhere, called through the protocol.
  case other(any Prior<T>)

  /// Classifies `prior` by its dynamic type.
  init(_ prior: any Prior<T>) {
    switch prior {
    case let p as StandardNormal<T>: self = .standardNormal(p)
    case let p as DiagonalNormal<T>: self = .diagonalNormal(p)
    case let p as StandardLogistic<T>: self = .standardLogistic(p)
    default: self = .other(prior)
    }
  }

  /// `Prior.logProb` of the referenced prior.
  @inline(__always)
  func logProb(_ z: Matrix<T>) -> [T] {
    switch self {
    case .standardNormal(let p): return p.logProb(z)
    case .diagonalNormal(let p): return p.logProb(z)
    case .standardLogistic(let p): return p.logProb(z)
    case .other(let p): return p.logProb(z)
    }
  }

  /// `Prior.sample` of the referenced prior.
  @inline(__always)
  func sample(count: Int, temperature: Double, rng: inout Xoshiro256) -> Matrix<T> {
    switch self {
    case .standardNormal(let p): return p.sample(count: count, temperature: temperature, rng: &rng)
    case .diagonalNormal(let p): return p.sample(count: count, temperature: temperature, rng: &rng)
    case .standardLogistic(let p): return p.sample(count: count, temperature: temperature, rng: &rng)
    case .other(let p): return p.sample(count: count, temperature: temperature, rng: &rng)
    }
  }

  /// `Prior.backward` of the referenced prior.
  @inline(__always)
  func backward(_ z: Matrix<T>, dLogProb: [T]) -> Matrix<T> {
    switch self {
    case .standardNormal(let p): return p.backward(z, dLogProb: dLogProb)
    case .diagonalNormal(let p): return p.backward(z, dLogProb: dLogProb)
    case .standardLogistic(let p): return p.backward(z, dLogProb: dLogProb)
    case .other(let p): return p.backward(z, dLogProb: dLogProb)
    }
  }
}
