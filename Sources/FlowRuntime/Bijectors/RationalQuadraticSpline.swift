import RealModule
// The monotone rational-quadratic spline of Durkan, Bekasov, Murray and Papamakarios,
// "Neural Spline Flows" (NeurIPS 2019), as flat kernels over one scalar and a pointer to
// its unnormalised parameters, so that any layer producing such parameters (a coupling's
// conditioner, an autoregressive network) can call them. Forward, inverse and backward
// sit side by side; none allocates: the caller passes a workspace of `workspaceCount`.
//
// One spline has K bins on [−B, B]. Its parameters, as a network outputs them, are one
// block of `parameterCount` numbers:
//
//     [w_1 … w_K,  h_1 … h_K,  d_1 … d_{K−1}]      tails: linear (3K − 1 numbers)
//     [w_1 … w_K,  h_1 … h_K,  d_0 … d_K]          tails: none   (3K + 1 numbers)
//
// and become the knots (x_k, y_k, δ_k), k = 0 … K:
//
//     bin widths   ŵ = m_w + (1 − K·m_w)·softmax(w),  x_0 = −B, x_k = −B + 2B·Σ_{i<k} ŵ_i, x_K = B
//     bin heights  ĥ = m_h + (1 − K·m_h)·softmax(h),  y_k likewise
//     derivatives  δ_k = m_δ + softplus(d_k + c),  c = log(e^{1 − m_δ} − 1)
//
// The offset c makes δ = 1 where the network outputs 0: a zero output gives equal bins
// and unit slopes, the identity. With linear tails δ_0 = δ_K = 1 (the slope of the
// identity outside), so the map is C¹ at ±B.
//
// Inside bin k, with w_k = x_{k+1} − x_k, h_k = y_{k+1} − y_k, s_k = h_k/w_k and
// θ = (x − x_k)/w_k ∈ [0, 1):
//
//     y = y_k + h_k·(s_k θ² + δ_k θ(1−θ)) / (s_k + (δ_{k+1} + δ_k − 2s_k) θ(1−θ))
//     dy/dx = s_k² (δ_{k+1} θ² + 2 s_k θ(1−θ) + δ_k (1−θ)²) / (s_k + (δ_{k+1} + δ_k − 2s_k) θ(1−θ))²
//
// Outside [−B, B] linear tails are the identity (log|det| 0); without tails the spline is
// undefined there and the kernels return NaN, so the trainer's non-finite guard names the
// layer (`flowc check` warns when the data's known range leaves the bound).

/// What a rational-quadratic spline does outside [−B, B].
public enum SplineTails: String, Sendable, Hashable, Codable, CaseIterable {
  /// The identity outside, slopes 1 at ±B (Durkan et al.'s "unconstrained" spline).
  case linear
  /// No tails: the spline maps [−B, B] onto itself and is undefined outside; the slopes at
  /// ±B are learned too.
  case absent = "none"
}

/// The settings of a rational-quadratic spline (bins, bound, tails, minimum sizes).
public struct RationalQuadraticSpline: Sendable, Hashable, Codable {
  /// Number of bins K (at least 2).
  public var bins: Int
  /// The spline acts on [−bound, bound].
  public var bound: Double
  /// What happens outside [−bound, bound].
  public var tails: SplineTails
  /// Smallest bin width as a fraction of 2B (bins · minBinWidth < 1).
  public var minBinWidth: Double
  /// Smallest bin height as a fraction of 2B (bins · minBinHeight < 1).
  public var minBinHeight: Double
  /// Smallest derivative at a knot, in (0, 1).
  public var minDerivative: Double

  /// A spline with every setting given; the defaults are nflows' minima.
  public init(bins: Int, bound: Double, tails: SplineTails = .linear, minBinWidth: Double = 1e-3,
              minBinHeight: Double = 1e-3, minDerivative: Double = 1e-3) {
    self.bins = bins
    self.bound = bound
    self.tails = tails
    self.minBinWidth = minBinWidth
    self.minBinHeight = minBinHeight
    self.minDerivative = minDerivative
  }

  /// Unnormalised parameters per transformed value: 3K − 1 with linear tails, 3K + 1 without.
  public var parameterCount: Int { tails == .linear ? 3 * bins - 1 : 3 * bins + 1 }

  /// Scratch values a kernel call needs: the two softmaxes and the three knot vectors.
  public var workspaceCount: Int { 5 * bins + 3 }

  /// The settings' rules, as preconditions (the compiler's validator reports them first).
  public func checkPreconditions() {
    precondition(bins >= 2, "a spline needs at least 2 bins")
    precondition(bound > 0 && bound.isFinite, "the spline bound must be a finite number > 0")
    precondition(minBinWidth > 0 && Double(bins) * minBinWidth < 1, "bins · min_bin_width must be in (0, 1)")
    precondition(minBinHeight > 0 && Double(bins) * minBinHeight < 1, "bins · min_bin_height must be in (0, 1)")
    precondition(minDerivative > 0 && minDerivative < 1, "min_derivative must be in (0, 1)")
  }
}

/// The spline's kernels in precision `T`: the settings converted once, then `forward`,
/// `inverse` and `backward` on one value and a pointer to its `parameterCount`
/// unnormalised parameters.
public struct RationalQuadraticSplineKernel<T: FlowScalar>: Sendable {
  /// Number of bins K.
  public let bins: Int
  /// −B and B.
  public let left: T, right: T
  /// Whether the tails are the identity (else: undefined outside [−B, B]).
  public let linearTails: Bool
  @usableFromInline let minWidth: T, minHeight: T, minDerivative: T
  /// c with m_δ + softplus(c) = 1.
  @usableFromInline let offset: T
  /// Parameters per value.
  public let parameterCount: Int
  /// Workspace values per call.
  public let workspaceCount: Int

  /// The kernels of `spline`.
  public init(_ spline: RationalQuadraticSpline) {
    spline.checkPreconditions()
    bins = spline.bins
    left = T(-spline.bound)
    right = T(spline.bound)
    linearTails = spline.tails == .linear
    minWidth = T(spline.minBinWidth)
    minHeight = T(spline.minBinHeight)
    minDerivative = T(spline.minDerivative)
    // softplus(c) = 1 − m_δ  ⇔  c = log(e^{1 − m_δ} − 1), computed in Double.
    offset = T(Double.log(Double.expMinusOne(1 - spline.minDerivative)))
    parameterCount = spline.parameterCount
    workspaceCount = spline.workspaceCount
  }

  // MARK: - Knots

  /// Workspace layout: softmax(w) [K], softmax(h) [K], x knots [K+1], y knots [K+1], δ [K+1].
  @inlinable var xKnots: Int { 2 * bins }
  @inlinable var yKnots: Int { 3 * bins + 1 }
  @inlinable var slopes: Int { 4 * bins + 2 }

  /// Fills the workspace from the parameters `u`: softmaxes, knots and derivatives.
  @inlinable
  func knots(_ u: UnsafePointer<T>, _ ws: UnsafeMutablePointer<T>) {
    let k = bins
    binEdges(u, probabilities: ws, knots: ws + xKnots, minimum: minWidth)
    binEdges(u + k, probabilities: ws + k, knots: ws + yKnots, minimum: minHeight)
    let d = ws + slopes
    if linearTails {
      d[0] = 1
      d[k] = 1
      for j in 1..<k { d[j] = minDerivative + T.softplus(u[2 * k + j - 1] + offset) }
    } else {
      for j in 0...k { d[j] = minDerivative + T.softplus(u[2 * k + j] + offset) }
    }
  }

  /// One axis's knots from its K unnormalised sizes: p = softmax(u), sizes m + (1 − K·m)·p,
  /// knots −B, −B + 2B·(cumulative sizes), ..., B.
  @inlinable
  func binEdges(_ u: UnsafePointer<T>, probabilities p: UnsafeMutablePointer<T>, knots: UnsafeMutablePointer<T>, minimum: T) {
    let k = bins
    // softmax with the maximum subtracted, so no exponent overflows.
    var m = u[0]
    for i in 1..<k { m = Swift.max(m, u[i]) }
    var total: T = 0
    for i in 0..<k {
      let e = T.exp(u[i] - m)
      p[i] = e
      total += e
    }
    let scale = 1 - T(k) * minimum, span = right - left
    knots[0] = left
    var cumulative: T = 0
    for i in 0..<k {
      p[i] /= total
      if i < k - 1 {
        cumulative += minimum + scale * p[i]
        knots[i + 1] = left + span * cumulative
      }
    }
    // The last knot is B exactly, not a sum that rounds near it.
    knots[k] = right
  }

  /// The knots (x_k, y_k) and derivatives δ_k, k = 0 … K, of the spline with parameters
  /// `u` (`parameterCount` values), as arrays: for tests, plots and inspection, not for
  /// hot loops (it allocates).
  public func knots(of u: [T]) -> (x: [T], y: [T], derivatives: [T]) {
    precondition(u.count == parameterCount, "a spline of \(bins) bins takes \(parameterCount) parameters, got \(u.count)")
    var ws = [T](repeating: 0, count: workspaceCount)
    u.withUnsafeBufferPointer { ub in ws.withUnsafeMutableBufferPointer { knots(ub.baseAddress!, $0.baseAddress!) } }
    let k = bins
    return (Array(ws[xKnots...(xKnots + k)]), Array(ws[yKnots...(yKnots + k)]), Array(ws[slopes...(slopes + k)]))
  }

  /// The bin of `v` among the knots at `knots` (K + 1 ascending values from −B to B):
  /// the k with knot_k ≤ v < knot_{k+1}, and K − 1 for v = B. `v` is inside [−B, B].
  ///
  /// A plain comparison against the stored knots, with no ε added to the last one (as
  /// nflows' `searchsorted` does), so every value in [−B, B] gets the bin that contains
  /// it: a value exactly on an interior knot belongs to the bin it starts, where θ = 0 and
  /// the result is that bin's knot exactly, and B belongs to the last bin (θ = 1).
  @inlinable
  func bin(_ v: T, _ knots: UnsafePointer<T>) -> Int {
    var k = 0
    while k < bins - 1 && knots[k + 1] <= v { k += 1 }
    return k
  }

  // MARK: - Forward

  /// y = spline(x) and log|dy/dx|.
  @inlinable
  public func forward(_ x: T, _ u: UnsafePointer<T>, workspace ws: UnsafeMutablePointer<T>) -> (y: T, logAbsDet: T) {
    if !(x >= left && x <= right) || (linearTails && x == right) {
      return linearTails ? (x, 0) : (.nan, .nan)  // NaN inputs fall here too
    }
    knots(u, ws)
    let xs = ws + xKnots, ys = ws + yKnots, d = ws + slopes
    let k = bin(x, xs)
    let w = xs[k + 1] - xs[k], h = ys[k + 1] - ys[k]
    let s = h / w, d0 = d[k], d1 = d[k + 1]
    let theta = Swift.min(Swift.max((x - xs[k]) / w, 0), 1)
    let t = theta * (1 - theta)
    let numerator = h * (s * theta * theta + d0 * t)
    let denominator = s + (d0 + d1 - 2 * s) * t
    // Inside the bin's own y-range whatever the rounding, so the inverse finds the same bin.
    let y = Swift.min(Swift.max(ys[k] + numerator / denominator, ys[k]), ys[k + 1])
    let om = 1 - theta
    let slope = d1 * theta * theta + 2 * s * t + d0 * om * om
    return (y, T.log(s * s * slope) - 2 * T.log(denominator))
  }

  // MARK: - Inverse

  /// x = spline⁻¹(y) and log|dx/dy| (the negated forward log-det at x).
  ///
  /// Within bin k, y is a ratio of quadratics in θ, so θ solves aθ² + bθ + c = 0 with
  ///
  ///     a = h_k(s_k − δ_k) + (y − y_k)(δ_{k+1} + δ_k − 2s_k)
  ///     b = h_k δ_k − (y − y_k)(δ_{k+1} + δ_k − 2s_k)
  ///     c = −s_k (y − y_k)
  ///
  /// and exactly one root lies in [0, 1]. Durkan et al. (eq. 6) take θ = 2c / (−b − √(b² − 4ac)),
  /// the "citardauq" form, instead of the textbook (−b + √(b² − 4ac)) / 2a, which cancels
  /// catastrophically as a → 0 (an almost linear bin). But their form cancels too when
  /// b < 0: −b and −√(b² − 4ac) then have opposite signs and nearly equal size. That
  /// happens near the top of a wide, flat bin whose upper slope is steep (δ_{k+1} > 2s_k);
  /// in Float32 it moved θ by 1e-4 there (the Float32 stress test found x off by 8e-4). So
  /// the root is taken as in Numerical Recipes' quadratic formula, from q = −(b + sign(b)·√D)/2,
  /// which never subtracts: θ = c/q = 2c / (−b − √D) for b ≥ 0, and θ = q/a = (−b + √D) / 2a
  /// for b < 0 (where a > 0, since the root in [0, 1] is the positive one).
  ///
  /// Mathematically D = b² − 4ac ≥ 0 for every y in the bin; rounding can make it a hair
  /// negative (in Float32, near a bin's edges: the NaNs of nflows #87 and pyro #3139), so it
  /// is clamped at 0, which moves the root by no more than that rounding. θ is then clamped
  /// to [0, 1], so x stays in its bin.
  @inlinable
  public func inverse(_ y: T, _ u: UnsafePointer<T>, workspace ws: UnsafeMutablePointer<T>) -> (x: T, logAbsDet: T) {
    if !(y >= left && y <= right) || (linearTails && y == right) {
      return linearTails ? (y, 0) : (.nan, .nan)
    }
    knots(u, ws)
    let xs = ws + xKnots, ys = ws + yKnots, d = ws + slopes
    let k = bin(y, ys)
    let w = xs[k + 1] - xs[k], h = ys[k + 1] - ys[k]
    let s = h / w, d0 = d[k], d1 = d[k + 1]
    let dy = y - ys[k]
    let sum = d0 + d1 - 2 * s
    let a = h * (s - d0) + dy * sum
    let b = h * d0 - dy * sum
    let c = -s * dy
    let r = Swift.max(b * b - 4 * a * c, 0).squareRoot()
    let root: T
    if b >= 0 {
      // −b − √D < 0 whenever y > y_k; it is 0 only with c = 0, i.e. y on the knot.
      let denominator = -b - r
      root = denominator < 0 ? 2 * c / denominator : 0
    } else {
      root = a > 0 ? (r - b) / (2 * a) : 1
    }
    let theta = Swift.min(Swift.max(root, 0), 1)
    let x = Swift.min(Swift.max(xs[k] + theta * w, xs[k]), xs[k + 1])
    let t = theta * (1 - theta), om = 1 - theta
    let slope = d1 * theta * theta + 2 * s * t + d0 * om * om
    let den = s + sum * t
    return (x, -(T.log(s * s * slope) - 2 * T.log(den)))
  }

  // MARK: - Backward

  /// The gradient of L = gy·y + gl·log|dy/dx| for y = spline(x): returns dL/dx and adds
  /// dL/du into `dU` (the same layout as `u`), through the softmaxes, the minimum-size
  /// maps and the softplus.
  ///
  /// Inside bin k, y and the log-det depend on θ, s = h/w, h, y_k, δ_k and δ_{k+1}, with
  /// θ = (x − x_k)/w and w = x_{k+1} − x_k. With N = sθ² + δ_k θ(1−θ), E = s + (δ_k +
  /// δ_{k+1} − 2s)θ(1−θ), g = N/E (so y = y_k + h·g) and S = δ_{k+1}θ² + 2sθ(1−θ) + δ_k(1−θ)²
  /// (so log|det| = 2 log s + log S − 2 log E), the partial derivatives are those of
  /// g and log|det| in θ, s, δ_k, δ_{k+1}, written out below; the knots' gradients then
  /// run back through the cumulative sums (x_0 = −B and x_K = B are constants) and the
  /// softmax: du_i = p_i (dp_i − Σ_j p_j dp_j).
  @inlinable
  public func backward(
    _ x: T, dY gy: T, dLogAbsDet gl: T, _ u: UnsafePointer<T>, workspace ws: UnsafeMutablePointer<T>,
    dU: UnsafeMutablePointer<T>
  ) -> T {
    if !(x >= left && x <= right) || (linearTails && x == right) {
      return linearTails ? gy : .nan
    }
    knots(u, ws)
    let xs = ws + xKnots, ys = ws + yKnots, d = ws + slopes
    let k = bin(x, xs)
    let w = xs[k + 1] - xs[k], h = ys[k + 1] - ys[k]
    let s = h / w, d0 = d[k], d1 = d[k + 1]
    let theta = Swift.min(Swift.max((x - xs[k]) / w, 0), 1)
    let t = theta * (1 - theta), om = 1 - theta, dt = 1 - 2 * theta
    let sum = d0 + d1 - 2 * s

    let n = s * theta * theta + d0 * t
    let e = s + sum * t
    let slope = d1 * theta * theta + 2 * s * t + d0 * om * om
    let e2 = e * e
    // g = N/E and its partials.
    let g = n / e
    let gTheta = ((2 * s * theta + d0 * dt) * e - n * sum * dt) / e2
    let gS = (theta * theta * e - n * (1 - 2 * t)) / e2
    let gD0 = t * (e - n) / e2
    let gD1 = -n * t / e2
    // log|det| = 2 log s + log S − 2 log E and its partials.
    let lTheta = (2 * d1 * theta + 2 * s * dt - 2 * d0 * om) / slope - 2 * sum * dt / e
    let lS = 2 / s + 2 * t / slope - 2 * (1 - 2 * t) / e
    let lD0 = om * om / slope - 2 * t / e
    let lD1 = theta * theta / slope - 2 * t / e

    let gradTheta = gy * h * gTheta + gl * lTheta
    let gradS = gy * h * gS + gl * lS
    // y_k, h (through y = y_k + h·g and s = h/w), and x_k, w (through θ and s) as knots:
    // x_k and x_{k+1}, y_k and y_{k+1}.
    let gradH = gy * g + gradS / w
    let gradW = -gradTheta * theta / w - gradS * s / w
    let gradX0 = -gradTheta / w - gradW, gradX1 = gradW
    let gradY0 = gy - gradH, gradY1 = gradH
    knotsBackward(k, gradX0, gradX1, probabilities: ws, minimum: minWidth, dU: dU)
    knotsBackward(k, gradY0, gradY1, probabilities: ws + bins, minimum: minHeight, dU: dU + bins)

    // δ_k, δ_{k+1}: softplus' = sigmoid. With linear tails δ_0 and δ_K are the constant 1.
    let gradD0 = gy * h * gD0 + gl * lD0
    let gradD1 = gy * h * gD1 + gl * lD1
    let first = linearTails ? 2 * bins - 1 : 2 * bins  // index in u of δ_0's parameter
    if !linearTails || k > 0 { dU[first + k] += gradD0 * T.sigmoid(u[first + k] + offset) }
    if !linearTails || k + 1 < bins { dU[first + k + 1] += gradD1 * T.sigmoid(u[first + k + 1] + offset) }
    return gradTheta / w
  }

  /// Adds to dU the gradient of knots k and k+1 (knot_j = −B + 2B·Σ_{i<j} m + (1 − K·m)·p_i,
  /// for 0 < j < K) through the cumulative sum and the softmax p.
  @inlinable
  func knotsBackward(_ k: Int, _ g0: T, _ g1: T, probabilities p: UnsafePointer<T>, minimum: T, dU: UnsafeMutablePointer<T>) {
    // dL/dŵ_i = 2B · Σ_{j > i, 0 < j < K} dL/dknot_j; only knots k and k+1 carry gradient.
    let factor = (right - left) * (1 - T(bins) * minimum)
    let a = k > 0 ? g0 : 0  // reaches p_i for i < k
    let b = k + 1 < bins ? g1 : 0  // reaches p_i for i ≤ k
    // dp_i = factor·(a [i < k] + b [i ≤ k]); du_i = p_i (dp_i − Σ_j p_j dp_j).
    var below: T = 0
    for i in 0..<k { below += p[i] }
    let mean = factor * (a * below + b * (below + p[k]))
    for i in 0...k {
      let dp = factor * ((i < k ? a : 0) + b)
      dU[i] += p[i] * (dp - mean)
    }
    for i in (k + 1)..<bins { dU[i] -= p[i] * mean }
  }
}
