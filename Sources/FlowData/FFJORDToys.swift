#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif
import FlowRandom

// The 2-D densities of FFJORD's `lib/toy_data.py` (Grathwohl, Chen et al., 2019), reused
// by most flow and flow-matching papers since. Constants are FFJORD's, including its
// literal 1.414 (not √2); only the random streams differ (flowc's seeded generator
// instead of numpy's). Labels record the mixture component or arm each point came from.

/// Eight Gaussians on a circle of radius 4/1.414 ≈ 2.83, each with standard deviation
/// 0.5/1.414 ≈ 0.354:
///
///     c ∈ 4·{(±1, 0), (0, ±1), (±1/√2, ±1/√2)},  point = (c + 0.5·ε) / 1.414,  ε ~ N(0, I₂)
///
/// The component is drawn uniformly per point (label 0…7, FFJORD's centre order).
public func makeEightGaussians(count: Int, generator: inout Xoshiro256) -> Dataset {
  let r = 1 / 2.0.squareRoot()
  let centers: [(Double, Double)] = [(1, 0), (-1, 0), (0, 1), (0, -1), (r, r), (r, -r), (-r, r), (-r, -r)]
  var values = [Float]()
  values.reserveCapacity(2 * count)
  var labels = [Int]()
  labels.reserveCapacity(count)
  for _ in 0..<count {
    // FFJORD's order: the two normals first, then the component.
    let ex = generator.nextNormal() * 0.5
    let ey = generator.nextNormal() * 0.5
    let k = generator.nextInt(below: 8)
    values.append(Float((4 * centers[k].0 + ex) / 1.414))
    values.append(Float((4 * centers[k].1 + ey) / 1.414))
    labels.append(k)
  }
  return Dataset(values: values, count: count, dimension: 2, labels: labels, source: ToySource.eightGaussians.sourceName)
}

/// A 4×4 checkerboard on [−4, 4)², uniform on the eight dark squares:
///
///     x₁ ~ U[−2, 2),  x₂' = u − 2·b  (u ~ U[0, 1), b ∈ {0, 1} fair),  x₂ = x₂' + (⌊x₁⌋ mod 2)
///     point = 2·(x₁, x₂)
///
/// `mod` is Python's (non-negative), so ⌊x₁⌋ = −2, −1, 0, 1 shifts x₂ by 0, 1, 0, 1: each
/// column of squares is offset from its neighbour. Label: the square's column (0…3).
public func makeCheckerboard(count: Int, generator: inout Xoshiro256) -> Dataset {
  var values = [Float]()
  values.reserveCapacity(2 * count)
  var labels = [Int]()
  labels.reserveCapacity(count)
  for _ in 0..<count {
    let x1 = generator.nextUniform() * 4 - 2
    let x2prime = generator.nextUniform() - Double(generator.nextInt(below: 2)) * 2
    let column = floor(x1)
    let shift = column - 2 * floor(column / 2)  // Python's floor(x1) % 2, in {0, 1}
    values.append(Float(2 * x1))
    values.append(Float(2 * (x2prime + shift)))
    labels.append(Int(column) + 2)
  }
  return Dataset(values: values, count: count, dimension: 2, labels: labels, source: ToySource.checkerboard.sourceName)
}

/// Two interleaved spirals, each 1.5 turns long (540°):
///
///     t = √u · 540 · 2π/360,  u ~ U[0, 1)        (the √ spreads points evenly along the arm)
///     d = (−cos t · t + 0.5·u₁,  sin t · t + 0.5·u₂),  u₁, u₂ ~ U[0, 1)
///     arm 0: d / 3,  arm 1: −d / 3,  then + 0.1·ε,  ε ~ N(0, I₂)
///
/// Arm 1 is the point reflection of arm 0's points, as in FFJORD. For an odd count arm 0
/// gets the extra point (FFJORD only produces even counts). Label: the arm.
public func makeTwoSpirals(count: Int, generator: inout Xoshiro256) -> Dataset {
  let n0 = count - count / 2
  var arm = [(Double, Double)]()
  arm.reserveCapacity(n0)
  for _ in 0..<n0 {
    let t = generator.nextUniform().squareRoot() * 540 * (2 * Double.pi) / 360
    let dx = -cos(t) * t + generator.nextUniform() * 0.5
    let dy = sin(t) * t + generator.nextUniform() * 0.5
    arm.append((dx, dy))
  }
  var values = [Float]()
  values.reserveCapacity(2 * count)
  var labels = [Int]()
  labels.reserveCapacity(count)
  for i in 0..<count {
    let (dx, dy) = i < n0 ? arm[i] : (-arm[i - n0].0, -arm[i - n0].1)
    values.append(Float(dx / 3 + 0.1 * generator.nextNormal()))
    values.append(Float(dy / 3 + 0.1 * generator.nextNormal()))
    labels.append(i < n0 ? 0 : 1)
  }
  return Dataset(values: values, count: count, dimension: 2, labels: labels, source: ToySource.twoSpirals.sourceName)
}

/// Five curved arms (Johnson et al.'s pinwheel, as FFJORD builds it): for arm k,
///
///     f = (1 + 0.3·ε₁, 0.1·ε₂),  ε ~ N(0, I₂)              (radial and tangential spread)
///     θ = 2πk/5 + 0.25·exp(f₁)                            (points further out turn more)
///     point = 2·(f₁ cos θ + f₂ sin θ,  −f₁ sin θ + f₂ cos θ)
///
/// i.e. FFJORD's `einsum("ti,tij->tj", f, [[cos, −sin], [sin, cos]])`, then the rows are
/// shuffled. Arms get count/5 points each, the first count mod 5 arms one more (FFJORD
/// drops the remainder instead). Label: the arm.
public func makePinwheel(count: Int, generator: inout Xoshiro256) -> Dataset {
  var points = [(Float, Float)]()
  points.reserveCapacity(count)
  var arms = [Int]()
  arms.reserveCapacity(count)
  for i in 0..<count {
    let k = i % 5
    let f1 = 1 + 0.3 * generator.nextNormal()
    let f2 = 0.1 * generator.nextNormal()
    let theta = 2 * Double.pi * Double(k) / 5 + 0.25 * exp(f1)
    points.append((Float(2 * (f1 * cos(theta) + f2 * sin(theta))), Float(2 * (-f1 * sin(theta) + f2 * cos(theta)))))
    arms.append(k)
  }
  var values = [Float]()
  values.reserveCapacity(2 * count)
  let order = generator.permutation(count)
  for i in order {
    values.append(points[i].0)
    values.append(points[i].1)
  }
  return Dataset(
    values: values, count: count, dimension: 2, labels: order.map { arms[$0] }, source: ToySource.pinwheel.sourceName)
}
