import FlowRandom
import RealModule

/// A strictly monotone function applied to every feature.
public struct ElementwiseDescription: LayerDescription, Hashable {
  public var function: ElementwiseFunction

  public init(_ function: ElementwiseFunction) { self.function = function }

  public func makeBijector<T: FlowScalar>(_: T.Type, dimension d: Int, rng: inout Xoshiro256) -> any Bijector<T> {
    Elementwise<T>(function, dimension: d)
  }
}

/// A strictly monotone scalar function applied to every feature.
///
/// | function          | forward y          | inverse x                 | log|dy/dx|                    |
/// |-------------------|--------------------|---------------------------|-------------------------------|
/// | leakyReLU(a > 0)  | x (x > 0), a·x     | y (y > 0), y/a            | 0 or log a                    |
/// | sigmoid           | 1/(1 + e^−x)       | log y − log(1 − y)        | −softplus(−x) − softplus(x)   |
/// | logit             | log x − log(1 − x) | sigmoid(y)                | −log x − log(1 − x)           |
/// | tanh              | tanh x             | ½(log1p(y) − log1p(−y))   | 2(log 2 − x − softplus(−2x))  |
///
/// The log-derivatives are written through softplus so they stay finite where the
/// naive forms overflow or cancel (log(1 − tanh² x) is log(0) for |x| > 9 in float32).
/// The logit layer is the usual last step of image preprocessing (Real NVP, section 4.1);
/// leaky ReLU as a bijector is from nflows.
public final class Elementwise<T: FlowScalar>: Bijector {
  /// Element type.
  public typealias Scalar = T

  /// The function applied.
  public let function: ElementwiseFunction
  /// Number of features.
  public let dimension: Int
  /// Ignored: the layer behaves the same in training and evaluation.
  public var isTraining = true

  /// Output buffer of the latest pass, reused while the batch size stays the same.
  var output: Matrix<T>
  /// Per-row log|det| buffer of the latest pass.
  var logDet: [T] = []
  /// Copy of the latest recorded input, for `backward`.
  var savedInput: Matrix<T>
  /// dL/dx buffer returned by `backward`.
  var inputGradient: Matrix<T>

  /// The layer on `dimension` features.
  public init(_ function: ElementwiseFunction, dimension: Int) {
    if case .leakyReLU(let a) = function { precondition(a > 0, "leaky ReLU bijector needs a positive slope") }
    precondition(dimension > 0, "elementwise layer needs at least one feature")
    self.function = function
    self.dimension = dimension
    output = Matrix(rows: 0, cols: dimension)
    savedInput = Matrix(rows: 0, cols: dimension)
    inputGradient = Matrix(rows: 0, cols: dimension)
  }

  /// None.
  public var parameters: [Parameter<T>] { [] }

  /// y = f(x) and log|f'(x)| at one point.
  @inlinable @inline(__always)
  static func apply(_ f: ElementwiseFunction, _ x: T) -> (T, T) {
    switch f {
    case .leakyReLU(let a): return x > 0 ? (x, 0) : (T(a) * x, T.log(T(a)))
    case .sigmoid: return (T.sigmoid(x), -T.softplus(-x) - T.softplus(x))
    case .logit: return (T.log(x) - T.log(onePlus: -x), -T.log(x) - T.log(onePlus: -x))
    case .tanh: return (T.tanh(x), 2 * (T.log(2) - x - T.softplus(-2 * x)))
    }
  }

  /// x = f⁻¹(y) and log|(f⁻¹)'(y)| at one point.
  @inlinable @inline(__always)
  static func invert(_ f: ElementwiseFunction, _ y: T) -> (T, T) {
    switch f {
    case .leakyReLU(let a): return y > 0 ? (y, 0) : (y / T(a), -T.log(T(a)))
    case .sigmoid:
      let x = T.log(y) - T.log(onePlus: -y)
      return (x, T.softplus(-x) + T.softplus(x))
    case .logit:
      let x = T.sigmoid(y)
      return (x, T.log(x) + T.log(onePlus: -x))
    case .tanh:
      let x = (T.log(onePlus: y) - T.log(onePlus: -y)) / 2
      return (x, -2 * (T.log(2) - x - T.softplus(-2 * x)))
    }
  }

  /// (f'(x), d/dx log|f'(x)|) at one point, for backward.
  @inlinable @inline(__always)
  static func derivatives(_ f: ElementwiseFunction, _ x: T) -> (T, T) {
    switch f {
    case .leakyReLU(let a): return (x > 0 ? 1 : T(a), 0)
    case .sigmoid:
      let s = T.sigmoid(x)
      return (s * (1 - s), 1 - 2 * s)
    case .logit: return (1 / (x * (1 - x)), -1 / x + 1 / (1 - x))
    case .tanh:
      let t = T.tanh(x)
      return (1 - t * t, -2 * t)
    }
  }

  /// Applies `map` to every element of `x`, summing the log-derivatives per row.
  func run(_ x: Matrix<T>, _ map: (T) -> (T, T)) {
    precondition(x.cols == dimension, "elementwise layer expects \(dimension) features, got \(x.cols)")
    let n = x.rows, d = dimension
    output.resize(rows: n)
    prepare(&logDet, rows: n)
    x.storage.withUnsafeBufferPointer { xp in
      output.storage.withUnsafeMutableBufferPointer { yp in
        logDet.withUnsafeMutableBufferPointer { lp in
          for r in 0..<n {
            var ld: T = 0
            for i in 0..<d {
              let (y, l) = map(xp[r * d + i])
              yp[r * d + i] = y
              ld += l
            }
            lp[r] = ld
          }
        }
      }
    }
  }

  /// Data → latent.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forward(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    let f = function
    run(x) { Self.apply(f, $0) }
    return (output, logDet)
  }

  /// Latent → data.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func inverse(_ y: Matrix<T>) -> (x: Matrix<T>, logAbsDet: [T]) {
    let f = function
    run(y) { Self.invert(f, $0) }
    return (output, logDet)
  }

  /// Data → latent, keeping x for `backward`.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    savedInput.assign(x)
    return forward(x)
  }

  /// dL/dx = dL/dy·f'(x) + dL/d(logAbsDet)·d/dx log|f'(x)|.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    let n = savedInput.rows, d = dimension, f = function
    precondition(dY.rows == n && dY.cols == d && dLogAbsDet.count == n, "elementwise backward: shape mismatch")
    inputGradient.resize(rows: n)
    dY.storage.withUnsafeBufferPointer { gp in
      savedInput.storage.withUnsafeBufferPointer { xp in
        inputGradient.storage.withUnsafeMutableBufferPointer { dp in
          for r in 0..<n {
            let dl = dLogAbsDet[r]
            for i in 0..<d {
              let (dy, dld) = Self.derivatives(f, xp[r * d + i])
              dp[r * d + i] = gp[r * d + i] * dy + dl * dld
            }
          }
        }
      }
    }
    return inputGradient
  }
}
