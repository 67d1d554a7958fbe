import RealModule

// Sums over long contiguous runs (a channel of a batch: n·H·W values) for the backward
// passes of ActNorm and convolution biases.
//
// A plain `s += a[i]` loop is one dependent chain of additions: the compiler may not
// reorder floating-point sums, so it can neither vectorise the loop nor overlap the adds,
// and each element waits for the previous add (about 4 cycles). swift-numerics'
// `Relaxed.sum` and `Relaxed.multiplyAdd` mark these additions as reassociable, so the
// compiler keeps several partial sums in vector registers and adds them at the end: the
// loop runs at memory speed. The results differ from the sequential order in the last
// bits (the blocked order is, if anything, more accurate); only these reductions do it.

/// Σ a[i]·b[i] and Σ a[i] over `n` elements, reassociated.
@inlinable
func productAndPlainSums<T: FlowScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, count n: Int) -> (products: T, sum: T) {
  var p: T = 0, s: T = 0
  for i in 0..<n {
    p = Relaxed.multiplyAdd(a[i], b[i], p)
    s = Relaxed.sum(s, a[i])
  }
  return (p, s)
}

/// Σ a[i] over `n` elements, reassociated.
@inlinable
func plainSum<T: FlowScalar>(_ a: UnsafePointer<T>, count n: Int) -> T {
  var s: T = 0
  for i in 0..<n { s = Relaxed.sum(s, a[i]) }
  return s
}
