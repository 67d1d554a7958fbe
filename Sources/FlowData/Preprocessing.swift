#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif
import FlowRandom

/// One step of image preprocessing, applied element by element to a batch.
///
/// Each step is a map x ↦ z with a diagonal Jacobian, so its log|det| for a row is the sum
/// of log|dz/dx| over the row's D values. The chain's log|det| is what turns the flow's
/// likelihood of the transformed data back into a likelihood of the pixels (see
/// `bitsPerDimension`).
public enum PreprocessStep: Sendable, Equatable {
  /// Uniform dequantization (Theis et al. 2016; the seed notes' "Categorical Pixel Values"):
  /// x ↦ x + u, u ~ U[0, 1) per value, fresh for every batch. Integer pixels become a
  /// density on [0, levels)^D whose log-likelihood lower-bounds the discrete one. It is
  /// noise, not a bijection, and contributes 0 to log|det|: bits/dim are reported relative
  /// to this dequantized data.
  case dequantize
  /// Scaling to [0, 1): x ↦ x / levels (levels = 256 for 8-bit images);
  /// log|det| = −D · ln(levels) per row.
  case scale(levels: Int)
  /// Real NVP's logit transform (Dinh et al. 2017, section 4.1), with α keeping the logit
  /// away from ±∞ at the edges of [0, 1]:
  ///
  ///     y = α + (1 − 2α)·x,   z = log y − log(1 − y)
  ///     dz/dx = (1 − 2α) / (y (1 − y))
  ///     log|det| = Σ [log(1 − 2α) − log y − log(1 − y)]
  ///
  /// Real NVP uses α = 0.05. Expects x in [0, 1]; 0 < α < 0.5.
  case logit(alpha: Double)
}

/// A preprocessing chain, run on every batch (training and evaluation alike, so train and
/// test bits/dim measure the same thing: the trap of flows_ood #5, PEERS item 9).
public struct Preprocessing: Sendable, Equatable {
  /// The steps, applied in order.
  public let steps: [PreprocessStep]

  /// Creates a chain after checking the steps' constants.
  ///
  /// - Throws: `DataError` (`invalidOption`, path `preprocess`) for levels below 2 or α
  ///   outside (0, 0.5).
  public init(_ steps: [PreprocessStep]) throws {
    for step in steps {
      switch step {
      case .dequantize: break
      case .scale(let levels) where levels < 2:
        throw DataError(path: "preprocess", .invalidOption(name: "levels", value: "\(levels)", expected: "2 or more (256 for 8-bit images)"))
      case .logit(let alpha) where !(alpha > 0 && alpha < 0.5):
        throw DataError(path: "preprocess", .invalidOption(name: "logit alpha", value: "\(alpha)", expected: "a number in (0, 0.5), e.g. Real NVP's 0.05"))
      default: break
      }
    }
    self.steps = steps
  }

  /// Real NVP's chain for 8-bit images: dequantize, scale by 256, logit with α = 0.05.
  public static func realNVP(levels: Int = 256, alpha: Double = 0.05) -> Preprocessing {
    try! Preprocessing([.dequantize, .scale(levels: levels), .logit(alpha: alpha)])
  }

  /// Whether scores of data under this chain are reported in bits per dimension: the
  /// chain scales integer intensities (image data), so bits/dim compare with published
  /// numbers.
  public var reportsBitsPerDimension: Bool {
    steps.contains { if case .scale = $0 { return true } else { return false } }
  }

  /// No preprocessing (toy data): log|det| is 0.
  public static let identity = try! Preprocessing([])

  /// Transforms a batch in place, with fresh dequantization noise from `generator`.
  ///
  /// - Parameters:
  ///   - values: `rows × dimension` values, row-major, transformed in place.
  ///   - dimension: values per row.
  ///   - generator: the noise stream (use a stream of its own, e.g. `"dequantize"`).
  /// - Returns: the log|det| of the whole chain for each row, in `Double`.
  public func apply(to values: inout [Float], dimension: Int, generator: inout Xoshiro256) -> [Double] {
    var logDet: [Double] = []
    apply(to: &values, dimension: dimension, generator: &generator, logDet: &logDet)
    return logDet
  }

  /// As `apply(to:dimension:generator:)`, writing each row's log|det| into `logDet`, which
  /// is resized only when the row count changes: the training loop reuses both buffers, so
  /// preprocessing a batch allocates nothing.
  public func apply(to values: inout [Float], dimension: Int, generator: inout Xoshiro256, logDet: inout [Double]) {
    precondition(dimension > 0 && values.count % dimension == 0, "values must fill whole rows")
    let rows = values.count / dimension
    if logDet.count != rows { logDet = [Double](repeating: 0, count: rows) }
    for i in 0..<rows { logDet[i] = 0 }
    for step in steps {
      switch step {
      case .dequantize: dequantize(&values, generator: &generator)
      case .scale(let levels): scale(&values, dimension: dimension, levels: levels, logDet: &logDet)
      case .logit(let alpha): logit(&values, dimension: dimension, alpha: alpha, logDet: &logDet)
      }
    }
  }

  /// Transforms a copy of `batch`; see `apply(to:dimension:generator:)`.
  public func apply(to batch: Dataset, generator: inout Xoshiro256) -> (data: Dataset, logAbsDet: [Double]) {
    var out = batch
    let logDet = apply(to: &out.values, dimension: batch.dimension, generator: &generator)
    return (out, logDet)
  }

  /// Maps transformed values (e.g. flow samples) back to the data's units, in place:
  /// the inverse steps in reverse order. Dequantization has no inverse and is skipped, so
  /// the result is continuous in [0, levels); `toPixels` rounds it to integers.
  ///
  /// Inverse logit: y = σ(z) = 1 / (1 + e^(−z)), x = (y − α) / (1 − 2α); inverse scale: x · levels.
  public func invert(_ values: inout [Float]) {
    for step in steps.reversed() {
      switch step {
      case .dequantize: break
      case .scale(let levels):
        let l = Float(levels)
        for i in values.indices { values[i] *= l }
      case .logit(let alpha):
        for i in values.indices {
          let y = 1 / (1 + exp(-Double(values[i])))
          values[i] = Float((y - alpha) / (1 - 2 * alpha))
        }
      }
    }
  }

  /// Turns transformed values back into 8-bit pixels: `invert`, then ⌊x⌋ clamped to
  /// [0, levels − 1] (the inverse of dequantization: the integer whose unit interval holds
  /// x). Samples from the flow can fall outside the data's range; clamping keeps them
  /// displayable.
  public func toPixels(_ values: [Float]) -> [UInt8] {
    var v = values
    invert(&v)
    var top: Float = 255
    for case .scale(let levels) in steps { top = Float(min(levels, 256) - 1) }
    return v.map { x in x.isNaN ? 0 : UInt8(Swift.max(0, Swift.min(top, x.rounded(.down)))) }
  }
}

// MARK: - The steps

/// x ↦ x + u, u ~ U[0, 1), per value.
///
/// The sum is formed in `Double` and kept strictly below x + 1 in `Float`: near 256 a
/// `Float` step is 2^−16, so u > 1 − 2^−17 would otherwise round 255 + u up to 256, putting
/// the value on the next pixel's interval (and exactly on 1 after scaling).
func dequantize(_ values: inout [Float], generator: inout Xoshiro256) {
  for i in values.indices {
    let x = values[i]
    let v = Float(Double(x) + generator.nextUniform())
    values[i] = Swift.min(v, (x + 1).nextDown)
  }
}

/// x ↦ x / levels; adds −D·ln(levels) to each row's log|det|.
func scale(_ values: inout [Float], dimension: Int, levels: Int, logDet: inout [Double]) {
  let inv = 1 / Float(levels)
  for i in values.indices { values[i] *= inv }
  let perRow = -Double(dimension) * log(Double(levels))
  for r in logDet.indices { logDet[r] += perRow }
}

/// The logit step (formulas on `PreprocessStep.logit`), computed in `Double` per value:
/// log1p(−y) keeps log(1 − y) accurate when y is near 0.
func logit(_ values: inout [Float], dimension: Int, alpha: Double, logDet: inout [Double]) {
  let logScale = log(1 - 2 * alpha)
  values.withUnsafeMutableBufferPointer { v in
    for r in logDet.indices {
      var sum = 0.0
      for j in r * dimension..<(r + 1) * dimension {
        let y = alpha + (1 - 2 * alpha) * Double(v[j])
        let logY = log(y)
        let log1mY = log1p(-y)
        v[j] = Float(logY - log1mY)
        sum += logScale - logY - log1mY
      }
      logDet[r] += sum
    }
  }
}
