// Sums over long contiguous runs (a channel of a batch: n·H·W values) for the backward
// passes of ActNorm and convolution biases.
//
// A plain `s += a[i]` loop is one dependent chain of additions: the compiler may not
// reorder floating-point sums, so it can neither vectorise the loop nor overlap the adds,
// and each element waits for the previous add (about 4 cycles). Eight independent partial
// sums, added together at the end, break the chain: the compiler packs them into one
// 8-lane vector register (AVX) and the loop runs at memory speed. This reassociates the
// sum, so results differ from the sequential order in the last bits (the pairwise order
// is, if anything, more accurate); only the reductions below do it.

/// Σ a[i]·b[i] and Σ a[i] over `n` elements, each from eight interleaved partial sums.
@inlinable
func productAndPlainSums<T: FlowScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, count n: Int) -> (products: T, sum: T) {
  // Float (training) goes through explicit 8-lane vectors: the compiler packs the eight
  // scalar partial sums below only partly. The test on T folds away in specialised code.
  if T.self == Float.self {
    let (p, s) = floatProductAndPlainSums(UnsafeRawPointer(a), UnsafeRawPointer(b), count: n)
    return (T(p), T(s))
  }
  var p0: T = 0, p1: T = 0, p2: T = 0, p3: T = 0, p4: T = 0, p5: T = 0, p6: T = 0, p7: T = 0
  var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0, s4: T = 0, s5: T = 0, s6: T = 0, s7: T = 0
  let blocks = n / 8
  for k in 0..<blocks {
    let x = a + 8 * k, y = b + 8 * k
    p0 += x[0] * y[0]; p1 += x[1] * y[1]; p2 += x[2] * y[2]; p3 += x[3] * y[3]
    p4 += x[4] * y[4]; p5 += x[5] * y[5]; p6 += x[6] * y[6]; p7 += x[7] * y[7]
    s0 += x[0]; s1 += x[1]; s2 += x[2]; s3 += x[3]
    s4 += x[4]; s5 += x[5]; s6 += x[6]; s7 += x[7]
  }
  var p = ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7))
  var s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
  for i in (8 * blocks)..<n {
    p += a[i] * b[i]
    s += a[i]
  }
  return (p, s)
}

/// `productAndPlainSums` for Float elements at `a` and `b`, in SIMD8 registers.
@inlinable
func floatProductAndPlainSums(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count n: Int) -> (products: Float, sum: Float) {
  var p = SIMD8<Float>(), s = SIMD8<Float>()
  let blocks = n / 8
  for k in 0..<blocks {
    let x = a.loadUnaligned(fromByteOffset: 32 * k, as: SIMD8<Float>.self)
    let y = b.loadUnaligned(fromByteOffset: 32 * k, as: SIMD8<Float>.self)
    p += x * y
    s += x
  }
  var ps = p.sum(), ss = s.sum()
  let fa = a.assumingMemoryBound(to: Float.self), fb = b.assumingMemoryBound(to: Float.self)
  for i in (8 * blocks)..<n {
    ps += fa[i] * fb[i]
    ss += fa[i]
  }
  return (ps, ss)
}

/// `plainSum` for Float elements at `a`, in SIMD8 registers.
@inlinable
func floatPlainSum(_ a: UnsafeRawPointer, count n: Int) -> Float {
  var s = SIMD8<Float>()
  let blocks = n / 8
  for k in 0..<blocks { s += a.loadUnaligned(fromByteOffset: 32 * k, as: SIMD8<Float>.self) }
  var total = s.sum()
  let fa = a.assumingMemoryBound(to: Float.self)
  for i in (8 * blocks)..<n { total += fa[i] }
  return total
}

/// Σ a[i] over `n` elements, from eight interleaved partial sums.
@inlinable
func plainSum<T: FlowScalar>(_ a: UnsafePointer<T>, count n: Int) -> T {
  if T.self == Float.self { return T(floatPlainSum(UnsafeRawPointer(a), count: n)) }
  var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0, s4: T = 0, s5: T = 0, s6: T = 0, s7: T = 0
  let blocks = n / 8
  for k in 0..<blocks {
    let x = a + 8 * k
    s0 += x[0]; s1 += x[1]; s2 += x[2]; s3 += x[3]
    s4 += x[4]; s5 += x[5]; s6 += x[6]; s7 += x[7]
  }
  var s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
  for i in (8 * blocks)..<n { s += a[i] }
  return s
}
