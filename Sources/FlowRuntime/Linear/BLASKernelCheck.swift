/// The check an OpenBLAS kernel must pass before flowc trains on it: a few small
/// products, in both precisions, against a plain triple loop in Double.
///
/// The shapes are the ones flowc's layers use: one just above OpenBLAS's threading
/// threshold (m·n·k > 262,144, so it is split over the library's threads), awkward prime
/// sizes that leave partial register blocks at every edge, a padded leading dimension,
/// transposed operands, accumulation into C (beta = 1, as gradients are summed) and a
/// contracted dimension of 2 (the first layer of a 2-D flow). A kernel that is wrong for
/// this CPU gives errors of the size of the entries themselves; a correct one stays
/// within a few units in the last place. About half a million multiply-adds a
/// precision: a few milliseconds in a release build, once per process.
public enum BLASKernelCheck {
  /// One product of the check: C (m×n) = alpha·op(A)·op(B) + beta·C.
  public struct Case: Sendable, Equatable {
    /// Rows of C, columns of C, and the contracted dimension.
    public var m, n, k: Int
    /// Whether A (B) is stored transposed.
    public var transA, transB: Bool
    /// Extra elements at the end of every row of A, beyond what the product reads.
    public var padA: Int
    /// 0 overwrites C, 1 adds the product to it.
    public var beta: Double

    /// A case; `cases` holds the ones the check runs.
    public init(m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false, padA: Int = 0, beta: Double = 0) {
      (self.m, self.n, self.k, self.transA, self.transB, self.padA, self.beta) = (m, n, k, transA, transB, padA, beta)
    }
  }

  /// The products the check runs.
  public static let cases: [Case] = [
    Case(m: 72, n: 64, k: 64),
    Case(m: 37, n: 29, k: 71, transB: true, padA: 3),
    Case(m: 61, n: 47, k: 53, transA: true, beta: 1),
    Case(m: 100, n: 64, k: 2),
    Case(m: 1, n: 17, k: 33, transA: true, transB: true),
  ]

  /// What went wrong in the first case that failed.
  public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The precision, `sgemm` or `dgemm`.
    public var routine: String
    /// The failing case.
    public var failing: Case
    /// The largest error over C relative to the error bound (above 1 fails; NaN when
    /// the product had NaN or infinite entries).
    public var worstRatio: Double

    /// `sgemm 37×29×71 (B transposed): an entry is off by 4.1e+06 times the rounding bound`.
    public var description: String {
      var shape = "\(failing.m)×\(failing.n)×\(failing.k)"
      let notes = [failing.transA ? "A transposed" : nil, failing.transB ? "B transposed" : nil,
                   failing.beta != 0 ? "beta 1" : nil].compactMap { $0 }
      if !notes.isEmpty { shape += " (\(notes.joined(separator: ", ")))" }
      let off = worstRatio.isFinite ? "an entry is off by \(formatRatio(worstRatio)) times the rounding bound"
        : "the product has non-finite entries"
      return "\(routine) \(shape): \(off)"
    }
  }

  /// Runs every case through OpenBLAS in Float and in Double; nil when all pass.
  public static func run() -> Failure? {
    if let f = run(Float.self, routine: "sgemm") { return f }
    return run(Double.self, routine: "dgemm")
  }

  /// Runs every case through `T.gemm`.
  public static func run<T: FlowScalar>(_: T.Type, routine: String) -> Failure? {
    run(T.self, routine: routine, gemm: T.gemm)
  }

  /// Runs every case through `gemm` (a tests hands in a deliberately wrong one).
  public static func run<T: FlowScalar>(
    _: T.Type, routine: String,
    gemm: (Bool, Bool, Int, Int, Int, T, UnsafePointer<T>, Int, UnsafePointer<T>, Int, T, UnsafeMutablePointer<T>, Int) -> Void
  ) -> Failure? {
    var state: UInt64 = 0x6c61_7362_6b65_726e
    for c in cases {
      // Storage: A is m×k (k×m transposed) with padA extra elements a row, B is k×n
      // (n×k transposed), row-major; entries uniform in [-1, 1), rounded to T first so
      // the reference multiplies exactly what the kernel reads.
      let (aRows, aCols) = c.transA ? (c.k, c.m) : (c.m, c.k)
      let (bRows, bCols) = c.transB ? (c.n, c.k) : (c.k, c.n)
      let lda = aCols + c.padA
      let a: [T] = uniformEntries(aRows * lda, &state)
      let b: [T] = uniformEntries(bRows * bCols, &state)
      let c0: [T] = c.beta == 0 ? Array(repeating: 0, count: c.m * c.n) : uniformEntries(c.m * c.n, &state)
      var out = c0
      a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
          out.withUnsafeMutableBufferPointer { out in
            gemm(c.transA, c.transB, c.m, c.n, c.k, 1, a.baseAddress!, lda, b.baseAddress!, bCols,
                 T(c.beta), out.baseAddress!, c.n)
          }
        }
      }
      // op(A) (m×k) and op(B) (k×n) in Double, contiguous, for the reference.
      var opA = [Double](repeating: 0, count: c.m * c.k)
      var opB = [Double](repeating: 0, count: c.k * c.n)
      for i in 0..<c.m { for p in 0..<c.k { opA[i * c.k + p] = Double(c.transA ? a[p * lda + i] : a[i * lda + p]) } }
      for p in 0..<c.k { for j in 0..<c.n { opB[p * c.n + j] = Double(c.transB ? b[j * bCols + p] : b[p * bCols + j]) } }
      var exact = c0.map { c.beta * Double($0) }
      referenceProduct(m: c.m, n: c.n, k: c.k, opA, opB, &exact)
      // Rounding bound of a k-term dot product: |error| <= k·u·Σ|a||b| (Higham 3.5) with
      // u = ulp/2, and Σ|a||b| <= k for entries in [-1, 1] (plus |beta·C| <= 1); 4× that
      // leaves room for any summation order and still catches a wrong kernel, whose
      // errors are the size of the entries, by orders of magnitude.
      let bound = 4 * Double(c.k + 2) * Double(T.ulpOfOne) / 2 * Double(c.k + 1)
      var worst = 0.0
      for e in 0..<c.m * c.n {
        let ratio = abs(Double(out[e]) - exact[e]) / bound
        // NaN compares false with everything, so test finiteness explicitly.
        guard ratio.isFinite else { return Failure(routine: routine, failing: c, worstRatio: .nan) }
        worst = max(worst, ratio)
      }
      if worst > 1 { return Failure(routine: routine, failing: c, worstRatio: worst) }
    }
    return nil
  }

  /// `count` entries uniform in [-1, 1) from a 64-bit LCG (Knuth's MMIX constants): the
  /// check needs varied values, not statistical quality, and this costs little even
  /// in a debug build.
  static func uniformEntries<T: FlowScalar>(_ count: Int, _ state: inout UInt64) -> [T] {
    var s = state
    let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      for i in 0..<count {
        s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        buffer[i] = T(Double(s >> 11) * 0x1p-52 - 1)
      }
      initialized = count
    }
    state = s
    return values
  }

  /// exact += A·B for row-major A (m×k) and B (k×n): the plain triple loop, in i-p-j
  /// order so the inner loop runs along rows.
  static func referenceProduct(m: Int, n: Int, k: Int, _ a: [Double], _ b: [Double], _ exact: inout [Double]) {
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        exact.withUnsafeMutableBufferPointer { exact in
          for i in 0..<m {
            for p in 0..<k {
              let x = a[i * k + p]
              for j in 0..<n { exact[i * n + j] += x * b[p * n + j] }
            }
          }
        }
      }
    }
  }

  /// A ratio with two significant digits, e.g. `4.1e+06` or `3.2`.
  static func formatRatio(_ x: Double) -> String {
    guard x >= 100 else { return String(Double((x * 10).rounded()) / 10) }
    var exponent = 0
    var mantissa = x
    while mantissa >= 10 { mantissa /= 10; exponent += 1 }
    return "\(Double((mantissa * 10).rounded()) / 10)e+\(exponent < 10 ? "0" : "")\(exponent)"
  }
}
