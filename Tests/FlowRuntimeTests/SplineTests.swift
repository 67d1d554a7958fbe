import FlowRandom
import FlowRuntime
import Testing

/// The rational-quadratic spline kernels at the places where flow libraries' splines go
/// wrong: on bin edges, at ±B, in the tails and far out, and the Float32 inverse near
/// edges that gives NaNs elsewhere (nflows #87, pyro #3139). The generic property check
/// (BijectorPropertyTests) covers round trips, log-dets and gradients of whole couplings.
@Suite struct SplineTests {
  static let spline = RationalQuadraticSpline(bins: 8, bound: 3)

  /// Parameters of a generic, strongly non-uniform spline.
  static func parameters<T: FlowScalar>(_ s: RationalQuadraticSpline, seed: UInt64, scale: Double = 1.5) -> [T] {
    var rng = Xoshiro256(seed: seed, stream: "spline-parameters")
    return (0..<s.parameterCount).map { _ in T(scale * rng.nextNormal()) }
  }

  /// forward and inverse of one value through `kernel`.
  static func forward<T: FlowScalar>(_ kernel: RationalQuadraticSplineKernel<T>, _ x: T, _ u: [T]) -> (T, T) {
    var ws = [T](repeating: 0, count: kernel.workspaceCount)
    return u.withUnsafeBufferPointer { ub in ws.withUnsafeMutableBufferPointer { kernel.forward(x, ub.baseAddress!, workspace: $0.baseAddress!) } }
  }

  static func inverse<T: FlowScalar>(_ kernel: RationalQuadraticSplineKernel<T>, _ y: T, _ u: [T]) -> (T, T) {
    var ws = [T](repeating: 0, count: kernel.workspaceCount)
    return u.withUnsafeBufferPointer { ub in ws.withUnsafeMutableBufferPointer { kernel.inverse(y, ub.baseAddress!, workspace: $0.baseAddress!) } }
  }

  @Test func zeroParametersAreTheIdentity() {
    for tails in [SplineTails.linear, .absent] {
      let s = RationalQuadraticSpline(bins: 8, bound: 3, tails: tails)
      let kernel = RationalQuadraticSplineKernel<Double>(s)
      let u = [Double](repeating: 0, count: s.parameterCount)
      let (_, _, d) = kernel.knots(of: u)
      for v in d { #expect(abs(v - 1) < 1e-15, "the offset makes δ = 1 at a zero output") }
      for x in stride(from: -3.0, through: 3.0, by: 0.0625) {
        let (y, ld) = Self.forward(kernel, x, u)
        #expect(abs(y - x) < 1e-14 && abs(ld) < 1e-14, "x \(x): y \(y), log-det \(ld)")
      }
    }
  }

  @Test func knotsAreExactAndTheLastIsTheBound() {
    let kernel = RationalQuadraticSplineKernel<Double>(Self.spline)
    let u: [Double] = Self.parameters(Self.spline, seed: 1)
    let (xs, ys, d) = kernel.knots(of: u)
    #expect(xs.first == -3 && xs.last == 3 && ys.first == -3 && ys.last == 3)
    #expect(d.first == 1 && d.last == 1, "linear tails: slope 1 at ±B")
    for k in 0..<8 {
      #expect(xs[k + 1] - xs[k] >= 6 * 1e-3 * (1 - 1e-12) && ys[k + 1] - ys[k] >= 6 * 1e-3 * (1 - 1e-12))
    }
    // Every knot maps to its knot exactly, and back.
    for k in 0...8 {
      let (y, _) = Self.forward(kernel, xs[k], u)
      #expect(y == ys[k], "knot \(k): forward \(y), knot \(ys[k])")
      let (x, _) = Self.inverse(kernel, ys[k], u)
      #expect(x == xs[k], "knot \(k): inverse \(x), knot \(xs[k])")
    }
  }

  @Test func logDetAtKnotsIsTheKnotSlope() {
    let kernel = RationalQuadraticSplineKernel<Double>(Self.spline)
    let u: [Double] = Self.parameters(Self.spline, seed: 2)
    let (xs, _, d) = kernel.knots(of: u)
    for k in 0..<8 {
      let (_, ld) = Self.forward(kernel, xs[k], u)
      #expect(abs(ld - Double.log(d[k])) < 1e-12, "knot \(k): log-det \(ld), log δ \(Double.log(d[k]))")
    }
    // Just inside B the slope approaches δ_K = 1, matching the tail.
    let (_, ld) = Self.forward(kernel, 3 - 1e-9, u)
    #expect(abs(ld) < 1e-6)
  }

  @Test func tailsAreTheIdentityEverywhereOutside() {
    let kernel = RationalQuadraticSplineKernel<Float>(Self.spline)
    let u: [Float] = Self.parameters(Self.spline, seed: 3)
    for x: Float in [3, -3.0000002, 3.0000002, 4, -4, 17.5, 1e6, -1e6, .greatestFiniteMagnitude, -.infinity] {
      let (y, ld) = Self.forward(kernel, x, u)
      #expect(y == x && ld == 0, "forward(\(x)) = \(y), log-det \(ld)")
      let (back, ild) = Self.inverse(kernel, x, u)
      #expect(back == x && ild == 0, "inverse(\(x)) = \(back), log-det \(ild)")
    }
    // −B itself is the first knot, inside the spline, and maps to −B.
    #expect(Self.forward(kernel, -3, u).0 == -3)
  }

  @Test func withoutTailsTheBoundIsKeptAndOutsideIsNaN() {
    let s = RationalQuadraticSpline(bins: 6, bound: 2, tails: .absent)
    let kernel = RationalQuadraticSplineKernel<Double>(s)
    let u: [Double] = Self.parameters(s, seed: 4)
    #expect(Self.forward(kernel, 2, u).0 == 2 && Self.forward(kernel, -2, u).0 == -2)
    #expect(Self.inverse(kernel, 2, u).0 == 2 && Self.inverse(kernel, -2, u).0 == -2)
    let (_, _, d) = kernel.knots(of: u)
    #expect(abs(Self.forward(kernel, 2, u).1 - Double.log(d[6])) < 1e-9, "at B the slope is the learned δ_K")
    for x in [2.0000001, -2.5, 1e6, Double.nan] {
      #expect(Self.forward(kernel, x, u).0.isNaN && Self.inverse(kernel, x, u).0.isNaN)
    }
  }

  @Test func monotoneAndInvertibleOnAFineGrid() {
    for seed in UInt64(0)..<5 {
      let kernel = RationalQuadraticSplineKernel<Double>(Self.spline)
      let u: [Double] = Self.parameters(Self.spline, seed: 10 + seed, scale: 3)
      var previous = -Double.infinity
      for i in 0...6000 {
        let x = -3.5 + 7 * Double(i) / 6000
        let (y, ld) = Self.forward(kernel, x, u)
        #expect(y > previous, "not increasing at \(x)")
        previous = y
        let (back, ild) = Self.inverse(kernel, y, u)
        // The inverse is as exact as y's rounding allows, which the inverse stretches by 1/slope.
        #expect(abs(back - x) < 1e-13 + 1e-14 / Double.exp(ld) && abs(ild + ld) < 1e-9, "x \(x): back \(back), log-det \(ld)")
      }
    }
  }

  /// The Float32 inverse near every bin edge, at extreme parameters: never NaN, always in
  /// [−B, B], and forward(inverse(y)) = y to Float32 precision. (With Durkan et al.'s
  /// root formula alone this found y off by 4e-3 near the top of wide, flat bins: see
  /// `RationalQuadraticSplineKernel.inverse`.)
  @Test func float32InverseNeverNaN() {
    var rng = Xoshiro256(seed: 99, stream: "stress")
    let s = RationalQuadraticSpline(bins: 10, bound: 3)
    let kernel = RationalQuadraticSplineKernel<Float>(s)
    var checked = 0
    for trial in 0..<300 {
      let scale = [0.1, 2, 8, 30][trial % 4]
      let u: [Float] = (0..<s.parameterCount).map { _ in Float(scale * rng.nextNormal()) }
      let (_, ys, _) = kernel.knots(of: u)
      var probes: [Float] = []
      for y in ys {
        var below = y, above = y
        for _ in 0..<4 {
          below = below.nextDown
          above = above.nextUp
          probes += [below, above]
        }
        probes.append(y)
      }
      for _ in 0..<20 { probes.append(Float(-3 + 6 * rng.nextUniform())) }
      for y in probes {
        let (x, ld) = Self.inverse(kernel, y, u)
        #expect(!x.isNaN && !ld.isNaN, "inverse(\(y)) is NaN at parameter scale \(scale)")
        if abs(y) <= 3 { #expect(abs(x) <= 3) }
        let (again, slope) = Self.forward(kernel, x, u)
        // Exact up to a few ulps of x, which the forward map stretches by its slope.
        let tolerance = 1e-5 + 16 * Double(Swift.max(abs(x), 1).ulp) * Double.exp(Double(slope))
        #expect(Double(abs(again - y)) <= tolerance, "forward(inverse(\(y))) = \(again), x \(x), slope e^\(slope), parameter scale \(scale)")
        checked += 1
      }
    }
    #expect(checked > 20_000)
  }

  /// A coupling whose conditioner's last layer starts at zero is the identity.
  @Test func zeroInitialisedCouplingIsTheIdentity() {
    var rng = Xoshiro256(seed: 5)
    let s = RationalQuadraticSpline(bins: 8, bound: 3)
    let desc = SplineCouplingDescription(
      keep: [true, false], io: .split,
      net: MLPDescription(inputs: 1, hidden: [16], outputs: s.parameterCount, activation: .relu, zeroInitLast: true),
      spline: s)
    let layer = SplineCoupling<Float>(desc, rng: &rng)
    let x = Matrix<Float>(rows: 3, cols: 2, storage: [0.5, -2.9, -1, 1e6, 2, 0.25])
    let (y, ld) = layer.forward(x)
    for k in x.storage.indices { #expect(abs(y.storage[k] - x.storage[k]) < 1e-6) }
    for v in ld { #expect(abs(v) < 1e-6) }
  }
  /// backward against central differences in Float64, for x and every parameter, at points
  /// just inside each bin's edges, mid-bin, just inside ±B and in the tails (where dx = dy
  /// and no parameter has a gradient).
  @Test(arguments: [SplineTails.linear, .absent])
  func backwardMatchesFiniteDifferencesNearEdgesAndInTails(_ tails: SplineTails) {
    let s = RationalQuadraticSpline(bins: 5, bound: 2, tails: tails, minBinWidth: 1e-2, minBinHeight: 1e-2, minDerivative: 1e-2)
    let kernel = RationalQuadraticSplineKernel<Double>(s)
    var u: [Double] = Self.parameters(s, seed: 21)
    let (xs, _, _) = kernel.knots(of: u)
    var points: [Double] = []
    for k in 0..<5 {
      let w = xs[k + 1] - xs[k]
      points += [xs[k] + 0.01 * w, xs[k] + 0.5 * w, xs[k + 1] - 0.01 * w]
    }
    if tails == .linear { points += [-2.5, 2.5, 1e6, -1e6] }
    let gy = 0.7, gl = -1.3
    func loss(_ x: Double) -> Double {
      let (y, ld) = Self.forward(kernel, x, u)
      return gy * y + gl * ld
    }
    var ws = [Double](repeating: 0, count: kernel.workspaceCount)
    for x in points {
      var dU = [Double](repeating: 0, count: s.parameterCount)
      let dx = u.withUnsafeBufferPointer { ub in
        ws.withUnsafeMutableBufferPointer { wb in
          dU.withUnsafeMutableBufferPointer { db in
            kernel.backward(x, dY: gy, dLogAbsDet: gl, ub.baseAddress!, workspace: wb.baseAddress!, dU: db.baseAddress!)
          }
        }
      }
      let h = 1e-7 * Swift.max(1, abs(x))
      let numericX = (loss(x + h) - loss(x - h)) / (2 * h)
      #expect(abs(dx - numericX) <= 1e-6 * Swift.max(1, abs(numericX)), "x \(x): dx \(dx) vs \(numericX)")
      for i in u.indices {
        let v = u[i]
        u[i] = v + 1e-6
        let up = loss(x)
        u[i] = v - 1e-6
        let down = loss(x)
        u[i] = v
        let numeric = (up - down) / 2e-6
        #expect(abs(dU[i] - numeric) <= 1e-6 * Swift.max(1, abs(numeric)), "x \(x), u[\(i)]: \(dU[i]) vs \(numeric)")
      }
    }
  }
}
