import FlowRandom

/// The order, MADE and transform of an autoregressive layer, as a description.
public struct AutoregressiveLayout: Sendable, Hashable, Codable {
  /// order[k] is the dimension generated k-th (a permutation of 0..<D).
  public var order: [Int]
  /// The MADE's network: D inputs, D·k outputs (k from `transform`).
  public var net: MLPDescription
  /// The elementwise transform the MADE parametrises.
  public var transform: AutoregressiveTransformDescription

  /// A layout with every field given.
  public init(order: [Int], net: MLPDescription, transform: AutoregressiveTransformDescription) {
    self.order = order
    self.net = net
    self.transform = transform
  }
}

/// The machinery `MaskedAutoregressive` and `InverseAutoregressive` share: one map
///
///     A(u)_i = τ(u_i; θ_i(u)),   θ = MADE(u),   log|det ∂A/∂u| = Σ_i log τ′(u_i; θ_i)
///
/// in its two directions. `oneWay` computes A in one network pass (θ depends on the
/// input). `solve` computes A⁻¹ in D passes: θ_i needs the dimensions before i in the
/// order, so pass p fixes dimension order[p] from the dimensions fixed before it (the
/// others stay 0 and, masked, cannot reach it; computing one column a pass keeps
/// not-yet-solved values out of the network).
///
/// Backward passes:
/// - through A (`backwardOneWay`): the usual chain rule, one network backward pass.
/// - through A⁻¹ (`backwardSolve`), for training an IAF by maximum likelihood: with
///   z = A⁻¹(x), ℓ = log-det = −Σ log τ′(z; θ(z)) and upstream z̄, ℓ̄, differentiate the
///   implicit equation A(z; W) = x. With J = ∂A/∂z (triangular in the order, diagonal
///   ∂τ/∂z) and g = z̄ + ℓ̄·∂ℓ/∂z, the gradients are x̄ = v and
///   W̄ = −vᵀ ∂A/∂W + ℓ̄·∂ℓ/∂W where Jᵀ v = g. The system is solved by back-substitution
///   from the last dimension in the order: v_i = (g_i − [offdiag(J)ᵀ v]_i)/J_ii, each
///   off-diagonal product one network vector–Jacobian product (D − 1 of them, without
///   weight gradients), then one full network backward for W̄. Cost per batch: D
///   forward passes to solve, D input-gradient passes and one weight-gradient pass,
///   about (2D + 2)/3 times an MAF step.
final class AutoregressiveCore<T: FlowScalar> {
  /// Number of features D.
  let dimension: Int
  /// order[k] is the dimension generated k-th.
  let order: [Int]
  /// The masked network: θ = MADE(u).
  let made: MADE<T>
  /// The transform's batch kernels.
  let kernels: AutoregressiveKernels<T>
  /// The order as a fixed buffer [D] (dimension order[k] generated k-th).
  let orderBuffer: Buffer<T>

  /// The result of the latest pass.
  var output: Matrix<T>
  /// Per-row log|det| of the latest pass.
  var logDet: [T] = []
  /// The latest `solve`'s result when recorded (the point A's network was evaluated at).
  var solved: Matrix<T>
  /// dL/dθ workspace, [batch, D·k].
  var thetaGradient: Matrix<T>
  /// dL/du returned by the backward passes.
  var inputGradient: Matrix<T>
  /// g = z̄ + ℓ̄·∂ℓ/∂z in `backwardSolve`.
  var totalGradient: Matrix<T>
  /// The diagonal of J = ∂A/∂z in `backwardSolve`.
  var diagonal: Matrix<T>

  /// Builds the MADE (weights from `rng`) and the transform's kernels.
  init(_ layout: AutoregressiveLayout, rng: inout Xoshiro256) {
    let d = layout.order.count, k = layout.transform.parametersPerDimension
    dimension = d
    order = layout.order
    made = MADE(MADEDescription(order: layout.order, net: layout.net, parametersPerDimension: k), namePrefix: "net.", rng: &rng)
    kernels = AutoregressiveKernels(layout.transform)
    orderBuffer = Buffer(name: "order", shape: [d], value: layout.order.map { T($0) }, isFixed: true)
    output = Matrix(rows: 0, cols: d)
    solved = output
    thetaGradient = Matrix(rows: 0, cols: d * k)
    inputGradient = output
    totalGradient = output
    diagonal = output
  }

  /// The MADE's weights and biases.
  var parameters: [Parameter<T>] { made.parameters }
  /// The MADE's masks, then the order: all fixed.
  var buffers: [Buffer<T>] { made.masks + [orderBuffer] }

  /// output = A(u), logDet = Σ log τ′: one network pass.
  func oneWay(_ u: Matrix<T>) {
    precondition(u.cols == dimension, "autoregressive layer expects \(dimension) features, got \(u.cols)")
    made.applyMasks()
    made.forward(u)
    kernels.forward(u, made.output, &output, &logDet)
  }

  /// output = A⁻¹(x), logDet = −Σ log τ′ at the solution: D network passes.
  func solve(_ x: Matrix<T>, record: Bool) {
    precondition(x.cols == dimension, "autoregressive layer expects \(dimension) features, got \(x.cols)")
    made.applyMasks()
    output.resize(rows: x.rows)
    output.zero()
    for i in order {
      made.forward(output)
      kernels.inverseColumn(i, x, made.output, &output)
    }
    // The last pass saw every dimension but the last in the order, which no output
    // depends on: its θ is θ(solution), and the network state is that of the solution.
    kernels.inverseLogDet(output, made.output, &logDet)
    if record { solved.assign(output) }
  }

  /// dL/du for the latest `oneWay`, adding the weight gradients.
  func backwardOneWay(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    let u = made.input, n = u.rows
    precondition(dY.rows == n && dY.cols == dimension && dLogAbsDet.count == n, "autoregressive backward: shape mismatch")
    inputGradient.resize(rows: n)
    inputGradient.storage.withUnsafeMutableBufferPointer { dx in
      kernels.vjp(u, made.output, dY: dY, yScale: 1, dLogDet: dLogAbsDet, ldScale: 1, dX: dx.baseAddress!, dTheta: &thetaGradient)
    }
    made.backward(thetaGradient, accumulateParameters: true, needsInputGradient: true)
    add(made.inputGradient, into: &inputGradient)
    return inputGradient
  }

  /// dL/dx for the latest recorded `solve` (output z = A⁻¹(x)), adding the weight
  /// gradients: the implicit backward of the type comment.
  func backwardSolve(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    let z = solved, n = z.rows, d = dimension
    precondition(dY.rows == n && dY.cols == d && dLogAbsDet.count == n, "autoregressive backward: shape mismatch")
    let theta = made.output
    // g = z̄ + ℓ̄·∂ℓ/∂z, with ℓ = −Σ log τ′: its direct part and its part through θ.
    totalGradient.resize(rows: n)
    totalGradient.storage.withUnsafeMutableBufferPointer { g in
      kernels.vjp(z, theta, dY: nil, yScale: 0, dLogDet: dLogAbsDet, ldScale: -1, dX: g.baseAddress!, dTheta: &thetaGradient)
    }
    made.backward(thetaGradient, accumulateParameters: false, needsInputGradient: true)
    add(made.inputGradient, into: &totalGradient)
    add(dY, into: &totalGradient)
    // Jᵀ v = g by back-substitution, last dimension of the order first.
    kernels.derivative(z, theta, &diagonal)
    inputGradient.resize(rows: n)
    inputGradient.zero()
    for p in stride(from: d - 1, through: 0, by: -1) {
      let i = order[p]
      if p < d - 1 {
        kernels.vjp(z, theta, dY: inputGradient, yScale: 1, dLogDet: nil, ldScale: 0, dX: nil, dTheta: &thetaGradient)
        made.backward(thetaGradient, accumulateParameters: false, needsInputGradient: true)
      }
      substitute(column: i, offDiagonal: p < d - 1)
    }
    // W̄ = −vᵀ ∂A/∂W + ℓ̄·∂ℓ/∂W: one backward pass with θ̄ = −v·∂τ/∂θ − ℓ̄·∂log τ′/∂θ.
    kernels.vjp(z, theta, dY: inputGradient, yScale: -1, dLogDet: dLogAbsDet, ldScale: -1, dX: nil, dTheta: &thetaGradient)
    made.backward(thetaGradient, accumulateParameters: true, needsInputGradient: false)
    return inputGradient
  }

  /// v[:, i] = (g[:, i] − (offdiag(J)ᵀ v)[:, i]) / J_ii, the product read from the MADE's
  /// latest input gradient.
  func substitute(column i: Int, offDiagonal: Bool) {
    let n = inputGradient.rows, d = dimension
    totalGradient.storage.withUnsafeBufferPointer { g in
      diagonal.storage.withUnsafeBufferPointer { j in
        made.inputGradient.storage.withUnsafeBufferPointer { w in
          inputGradient.storage.withUnsafeMutableBufferPointer { v in
            for r in 0..<n {
              let k = r * d + i
              v[k] = (g[k] - (offDiagonal ? w[k] : 0)) / j[k]
            }
          }
        }
      }
    }
  }
}

/// a += b elementwise (same shape).
func add<T: FlowScalar>(_ b: Matrix<T>, into a: inout Matrix<T>) {
  precondition(a.rows == b.rows && a.cols == b.cols, "add: shape mismatch")
  b.storage.withUnsafeBufferPointer { bp in
    a.storage.withUnsafeMutableBufferPointer { ap in
      for i in 0..<ap.count { ap[i] += bp[i] }
    }
  }
}
