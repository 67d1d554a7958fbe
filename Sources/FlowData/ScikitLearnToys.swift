#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif
import FlowRandom

// The two scikit-learn toy sets, built exactly as `sklearn.datasets.make_moons` and
// `make_circles` build them (scikit-learn 1.x, `sklearn/datasets/_samples_generator.py`),
// with flowc's seeded generator in place of numpy's. Same construction, same distribution;
// the individual numbers differ from Python's because the random streams differ.

/// `numpy.linspace(0, stop, n)` with the endpoint: `i · (stop / (n − 1))`, the last value
/// set to `stop` exactly as numpy does; `[0]` when n is 1.
func linspaceWithEndpoint(_ stop: Double, _ n: Int) -> [Double] {
  guard n > 1 else { return n == 1 ? [0] : [] }
  let step = stop / Double(n - 1)
  var v = (0..<n).map { Double($0) * step }
  v[n - 1] = stop
  return v
}

/// `numpy.linspace(0, stop, n, endpoint=False)`: `i · (stop / n)`.
func linspaceWithoutEndpoint(_ stop: Double, _ n: Int) -> [Double] {
  guard n > 0 else { return [] }
  let step = stop / Double(n)
  return (0..<n).map { Double($0) * step }
}

/// Shuffles the rows (scikit-learn's `shuffle=True`), then adds `N(0, noise²)` to every
/// coordinate, row by row: the order of `X += generator.normal(scale=noise, size=X.shape)`.
func shuffleAndAddNoise(
  xs: [Double], ys: [Double], labels: [Int], noise: Double, generator: inout Xoshiro256, source: String
) -> Dataset {
  let n = xs.count
  let order = generator.permutation(n)
  var values = [Float]()
  values.reserveCapacity(2 * n)
  for i in order {
    // Noise is drawn even when it is 0 so that the stream's position does not depend on it.
    let ex = generator.nextNormal() * noise
    let ey = generator.nextNormal() * noise
    values.append(Float(xs[i] + ex))
    values.append(Float(ys[i] + ey))
  }
  return Dataset(values: values, count: n, dimension: 2, labels: order.map { labels[$0] }, source: source)
}

/// Two interleaving half circles, as `make_moons(n, noise=noise)`:
///
///     n_out = n / 2 (rounded down), n_in = n − n_out
///     outer: (cos t, sin t)             for t in linspace(0, π, n_out)     label 0
///     inner: (1 − cos t, 1 − sin t − ½) for t in linspace(0, π, n_in)      label 1
///
/// then the rows are shuffled and Gaussian noise of standard deviation `noise` is added to
/// each coordinate. The seed notebook trains on `make_moons(100, noise=0.05)` batches.
///
/// - Parameters:
///   - count: the number of points.
///   - noise: the noise's standard deviation (0 for the exact curves).
///   - generator: the seeded generator; it advances by the shuffle and 2·count normals.
public func makeMoons(count: Int, noise: Double, generator: inout Xoshiro256) -> Dataset {
  let nOut = count / 2
  let nIn = count - nOut
  let tOut = linspaceWithEndpoint(.pi, nOut)
  let tIn = linspaceWithEndpoint(.pi, nIn)
  let xs = tOut.map { cos($0) } + tIn.map { 1 - cos($0) }
  let ys = tOut.map { sin($0) } + tIn.map { 1 - sin($0) - 0.5 }
  let labels = [Int](repeating: 0, count: nOut) + [Int](repeating: 1, count: nIn)
  return shuffleAndAddNoise(
    xs: xs, ys: ys, labels: labels, noise: noise, generator: &generator, source: ToySource.moons.sourceName)
}

/// A large circle containing a smaller one, as `make_circles(n, noise=noise, factor=factor)`:
///
///     n_out = n / 2 (rounded down), n_in = n − n_out
///     outer: (cos t, sin t)                   for t in linspace(0, 2π, n_out, endpoint=False)  label 0
///     inner: (factor·cos t, factor·sin t)     for t in linspace(0, 2π, n_in, endpoint=False)   label 1
///
/// then shuffled, then Gaussian noise of standard deviation `noise` added. (No endpoint, so
/// the first and last points of a circle do not coincide.)
///
/// - Parameters:
///   - count: the number of points.
///   - noise: the noise's standard deviation.
///   - factor: the inner radius relative to the outer, in [0, 1) (scikit-learn's default 0.8).
///   - generator: the seeded generator.
public func makeCircles(count: Int, noise: Double, factor: Double, generator: inout Xoshiro256) -> Dataset {
  let nOut = count / 2
  let nIn = count - nOut
  let tOut = linspaceWithoutEndpoint(2 * .pi, nOut)
  let tIn = linspaceWithoutEndpoint(2 * .pi, nIn)
  let xs = tOut.map { cos($0) } + tIn.map { factor * cos($0) }
  let ys = tOut.map { sin($0) } + tIn.map { factor * sin($0) }
  let labels = [Int](repeating: 0, count: nOut) + [Int](repeating: 1, count: nIn)
  return shuffleAndAddNoise(
    xs: xs, ys: ys, labels: labels, noise: noise, generator: &generator, source: ToySource.circles.sourceName)
}
