import FlowRandom
import RealModule

/// Batch normalisation used as a bijector (Real NVP).
public struct BatchNormDescription: LayerDescription, Hashable {
  /// PyTorch's convention: running = (1 − momentum)·running + momentum·batch.
  public var momentum: Double
  /// Added to the variance (> 0).
  public var epsilon: Double

  public init(momentum: Double = 0.1, epsilon: Double = 1e-5) {
    self.momentum = momentum
    self.epsilon = epsilon
  }

  public func makeBijector<T: FlowScalar>(_: T.Type, dimension d: Int, rng: inout Xoshiro256) -> any Bijector<T> {
    BatchNorm<T>(dimension: d, momentum: momentum, epsilon: epsilon)
  }
}

/// Batch normalisation as a bijector (Dinh, Sohl-Dickstein and Bengio, "Density
/// estimation using Real NVP", 2017, section 3.7; nflows' `BatchNorm`).
///
/// With statistics (μ, σ²) per feature and v = σ² + ε:
/// - forward:  y = exp(log_gamma) · (x − μ)/√v + beta
/// - inverse:  x = (y − beta) · exp(−log_gamma) · √v + μ
/// - log|det ∂y/∂x| = Σᵢ (log_gammaᵢ − ½ log vᵢ)
///
/// In training mode μ and σ² are the batch mean and biased variance; `forwardRecording`
/// then also updates the running averages PyTorch's way: running = (1 − m)·running + m·batch,
/// with the running variance kept unbiased (batch variance · n/(n − 1)). In evaluation mode,
/// and always in `inverse`, the running averages are used. Plain `forward` never updates
/// them, so evaluating a batch does not move the model.
///
/// In training mode every output row depends on the whole batch; `backward` is exact for
/// that (gradients flow through μ and σ², including the log-det's dependence on σ²). The
/// reported log-det is that of the per-row map with the statistics held fixed, as in Real NVP.
///
/// Parameters `log_gamma`, `beta` (start at 0); buffers `running_mean` (0), `running_var` (1).
public final class BatchNorm<T: FlowScalar>: Bijector {
  /// Element type.
  public typealias Scalar = T

  /// Log of the per-feature gain.
  public let logGamma: Parameter<T>
  /// Per-feature offset.
  public let beta: Parameter<T>
  /// Running average of the batch means.
  public let runningMean: Buffer<T>
  /// Running average of the (unbiased) batch variances.
  public let runningVar: Buffer<T>
  /// Weight m of the newest batch in the running averages (PyTorch's default 0.1).
  public let momentum: Double
  /// ε added to the variance (> 0).
  public let epsilon: Double
  /// Training mode: batch statistics. Evaluation mode: running averages.
  public var isTraining = true

  /// Output buffer of the latest pass, reused while the batch size stays the same.
  var output: Matrix<T>
  /// Per-row log|det| buffer of the latest pass.
  var logDet: [T] = []
  /// x̂ = (x − μ)/√v of the latest recording.
  var normalized: Matrix<T>
  /// dL/dx buffer returned by `backward`.
  var inputGradient: Matrix<T>
  /// Per-feature mean of the latest pass.
  var mean: [T]
  /// Per-feature v = σ² + ε of the latest pass.
  var variance: [T]
  /// Per-feature 1/√v, computed once per pass rather than once per element.
  var inverseDeviation: [T]
  /// Whether the latest recording used batch statistics.
  var recordedBatchStatistics = false

  /// A batch-norm layer on `dimension` features.
  public init(dimension: Int, momentum: Double = 0.1, epsilon: Double = 1e-5) {
    precondition(dimension > 0, "batch norm needs at least one feature")
    precondition(momentum >= 0 && momentum <= 1, "batch norm momentum must lie in [0, 1]")
    precondition(epsilon > 0, "batch norm epsilon must be positive")
    logGamma = Parameter(name: "log_gamma", shape: [dimension])
    beta = Parameter(name: "beta", shape: [dimension])
    runningMean = Buffer(name: "running_mean", shape: [dimension], value: [T](repeating: 0, count: dimension))
    runningVar = Buffer(name: "running_var", shape: [dimension], value: [T](repeating: 1, count: dimension))
    self.momentum = momentum
    self.epsilon = epsilon
    output = Matrix(rows: 0, cols: dimension)
    normalized = Matrix(rows: 0, cols: dimension)
    inputGradient = Matrix(rows: 0, cols: dimension)
    mean = [T](repeating: 0, count: dimension)
    variance = [T](repeating: 0, count: dimension)
    inverseDeviation = [T](repeating: 0, count: dimension)
  }

  /// Number of features.
  public var dimension: Int { beta.count }
  /// `log_gamma` and `beta`.
  public var parameters: [Parameter<T>] { [logGamma, beta] }
  /// `running_mean` and `running_var`.
  public var buffers: [Buffer<T>] { [runningMean, runningVar] }

  /// Fills `mean` and `variance` (+ ε) from the batch or from the running averages.
  func computeStatistics(_ x: Matrix<T>, batch: Bool) {
    let n = x.rows, d = dimension, eps = T(epsilon)
    if !batch {
      for i in 0..<d {
        mean[i] = runningMean.value[i]
        variance[i] = runningVar.value[i] + eps
      }
      return
    }
    precondition(n > 1, "batch norm in training mode needs more than one row per batch")
    fill(&mean, 0)
    fill(&variance, 0)
    x.storage.withUnsafeBufferPointer { xp in
      mean.withUnsafeMutableBufferPointer { mp in
        variance.withUnsafeMutableBufferPointer { vp in
          for r in 0..<n { for i in 0..<d { mp[i] += xp[r * d + i] } }
          for i in 0..<d { mp[i] /= T(n) }
          // Two passes (mean, then squared deviations) avoid the cancellation of E[x²] − E[x]².
          for r in 0..<n { for i in 0..<d { let c = xp[r * d + i] - mp[i]; vp[i] += c * c } }
          for i in 0..<d { vp[i] = vp[i] / T(n) + eps }
        }
      }
    }
  }

  /// Applies y = exp(log_gamma)·(x − μ)/√v + beta with the current statistics.
  func normalize(_ x: Matrix<T>, keep: Bool) {
    let n = x.rows, d = dimension
    output.resize(rows: n)
    prepare(&logDet, rows: n)
    if keep { normalized.resize(rows: n) }
    var ld: T = 0
    for i in 0..<d {
      ld += logGamma.value[i] - T.log(variance[i]) / 2
      inverseDeviation[i] = 1 / variance[i].squareRoot()
    }
    fill(&logDet, ld)
    x.storage.withUnsafeBufferPointer { xp in
      output.storage.withUnsafeMutableBufferPointer { yp in
        normalized.storage.withUnsafeMutableBufferPointer { hp in
          for i in 0..<d {
            let m = mean[i], s = inverseDeviation[i], g = T.exp(logGamma.value[i]), b = beta.value[i]
            for r in 0..<n {
              let h = (xp[r * d + i] - m) * s
              if keep { hp[r * d + i] = h }
              yp[r * d + i] = g * h + b
            }
          }
        }
      }
    }
  }

  /// Data → latent (batch statistics in training mode, running ones otherwise; no update).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forward(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    precondition(x.cols == dimension, "batch norm expects \(dimension) features, got \(x.cols)")
    computeStatistics(x, batch: isTraining)
    normalize(x, keep: false)
    return (output, logDet)
  }

  /// Latent → data, always with the running averages.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func inverse(_ y: Matrix<T>) -> (x: Matrix<T>, logAbsDet: [T]) {
    precondition(y.cols == dimension, "batch norm expects \(dimension) features, got \(y.cols)")
    let n = y.rows, d = dimension, eps = T(epsilon)
    output.resize(rows: n)
    prepare(&logDet, rows: n)
    var ld: T = 0
    for i in 0..<d { ld -= logGamma.value[i] - T.log(runningVar.value[i] + eps) / 2 }
    fill(&logDet, ld)
    y.storage.withUnsafeBufferPointer { yp in
      output.storage.withUnsafeMutableBufferPointer { xp in
        for r in 0..<n {
          for i in 0..<d {
            let sd = (runningVar.value[i] + eps).squareRoot()
            xp[r * d + i] = (yp[r * d + i] - beta.value[i]) * T.exp(-logGamma.value[i]) * sd + runningMean.value[i]
          }
        }
      }
    }
    return (output, logDet)
  }

  /// Data → latent, keeping x̂ and the statistics; in training mode also updates the
  /// running averages.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func forwardRecording(_ x: Matrix<T>) -> (y: Matrix<T>, logAbsDet: [T]) {
    precondition(x.cols == dimension, "batch norm expects \(dimension) features, got \(x.cols)")
    recordedBatchStatistics = isTraining
    computeStatistics(x, batch: isTraining)
    normalize(x, keep: true)
    if isTraining {
      let m = T(momentum), n = T(x.rows), eps = T(epsilon)
      for i in 0..<dimension {
        let unbiased = (variance[i] - eps) * n / (n - 1)
        runningMean.value[i] = (1 - m) * runningMean.value[i] + m * mean[i]
        runningVar.value[i] = (1 - m) * runningVar.value[i] + m * unbiased
      }
    }
    return (output, logDet)
  }

  /// dL/dx for the latest recording; adds dL/d(log_gamma) and dL/d(beta).
  ///
  /// With batch statistics, for dx̂ = dy·γ and S = Σ_rows dL/d(logAbsDet):
  /// dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))/√v − S·x̂/(n√v); the last term is the
  /// log-det's −½ log v differentiated through the batch variance.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public func backward(dY: Matrix<T>, dLogAbsDet: [T]) -> Matrix<T> {
    let n = normalized.rows, d = dimension
    precondition(dY.rows == n && dY.cols == d && dLogAbsDet.count == n, "batch norm backward: shape mismatch")
    inputGradient.resize(rows: n)
    var s: T = 0
    for v in dLogAbsDet { s += v }
    let batch = recordedBatchStatistics
    dY.storage.withUnsafeBufferPointer { gp in
      normalized.storage.withUnsafeBufferPointer { hp in
        inputGradient.storage.withUnsafeMutableBufferPointer { dp in
          for i in 0..<d {
            let gamma = T.exp(logGamma.value[i]), sd = variance[i].squareRoot()
            var sumG: T = 0, sumGH: T = 0
            for r in 0..<n {
              let g = gp[r * d + i]
              sumG += g
              sumGH += g * hp[r * d + i]
            }
            beta.gradient[i] += sumG
            logGamma.gradient[i] += gamma * sumGH + s
            if batch {
              let meanG = gamma * sumG / T(n), meanGH = gamma * sumGH / T(n)
              for r in 0..<n {
                let h = hp[r * d + i]
                dp[r * d + i] = (gamma * gp[r * d + i] - meanG - h * meanGH - s * h / T(n)) / sd
              }
            } else {
              for r in 0..<n { dp[r * d + i] = gamma * gp[r * d + i] / sd }
            }
          }
        }
      }
    }
    return inputGradient
  }
}
