import FlowRandom

/// A fixed reordering y[i] = x[indices[i]].
public struct PermutationDescription: LayerDescription, Hashable {
  public var indices: [Int]

  public init(indices: [Int]) { self.indices = indices }

  public func makeBijector<T: FlowScalar>(_: T.Type, dimension d: Int, rng: inout Xoshiro256) -> any Bijector<T> {
    precondition(indices.count == d, "permutation has \(indices.count) entries for \(d) features")
    return Permutation<T>(indices: indices)
  }
}

/// A fixed reordering of the features, used between couplings so every feature gets
/// transformed (Real NVP alternates masks; NICE and Glow permute).
///
/// - forward:  y[i] = x[indices[i]]
/// - inverse:  x[indices[i]] = y[i]
/// - log|det| = 0 (a permutation matrix has determinant ±1)
///
/// The indices are structural, fixed when the flow is described (random ones are drawn by
/// the compiler from the spec's seed), so the layer has no parameters or state.
public final class Permutation<T: FlowScalar>: Bijector {
  /// Element type.
  public typealias Scalar = T

  /// y[i] = x[indices[i]].
  public let indices: [Int]
  /// Ignored: the layer behaves the same in training and evaluation.
  public var isTraining = true

  /// Output buffer of the latest pass, reused while the batch size stays the same.
  var output: Matrix<T>
  /// Per-row log|det| buffer of the latest pass.
  var logDet: [T] = []
  /// dL/dx buffer returned by `backward`.
  var inputGradient: Matrix<T>
  /// The inverse permutation: x[i] = y[inverseIndices[i]].
  var inverseIndices: [Int]

  /// A permutation layer; `indices` must be a permutation of 0..<count.
  public init(indices: [Int]) {
    precondition(!indices.isEmpty, "permutation needs at least one feature")
    precondition(indices.sorted() == Array(indices.indices), "permutation indices must be a permutation of 0..<\(indices.count)")
    self.indices = indices
    var inv = [Int](repeating: 0, count: indices.count)
    for (i, p) in indices.enumerated() { inv[p] = i }
    inverseIndices = inv
    output = Matrix(rows: 0, cols: indices.count)
    inputGradient = Matrix(rows: 0, cols: indices.count)
  }

  /// Number of features.
  public var dimension: Int { indices.count }
  /// None.
  public var parameters: [Parameter<T>] { [] }

  /// Writes out[r, i] = x[r, map[i]] for every row.
  func gather(_ x: Matrix<T>, _ map: [Int], into out: inout Matrix<T>) {
    precondition(x.cols == dimension, "permutation expects \(dimension) features, got \(x.cols)")
    let n = x.rows, d = dimension
    out.resize(rows: n)
    x.storage.withUnsafeBufferPointer { xp in
      out.storage.withUnsafeMutableBufferPointer { yp in
        map.withUnsafeBufferPointer { mp in
          for r in 0..<n { for i in 0..<d { yp[r * d + i] = xp[r * d + mp[i]] } }
        }
      }
    }
  }

  /// Data → latent.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forward(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    gather(x, indices, into: &output)
    prepare(&logDet, rows: x.rows)
    fill(&logDet, 0)
    return (output, logDet)
  }

  /// Latent → data.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func inverse(_ y: Matrix<T>) -> (x: Matrix<T>, logAbsDet: [T]) {
    gather(y, inverseIndices, into: &output)
    prepare(&logDet, rows: y.rows)
    fill(&logDet, 0)
    return (output, logDet)
  }

  /// Same as `forward`: nothing needs recording.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) { forward(x) }

  /// dL/dx[indices[i]] = dL/dy[i], i.e. the inverse permutation applied to dY.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    gather(dY, inverseIndices, into: &inputGradient)
    return inputGradient
  }
}
