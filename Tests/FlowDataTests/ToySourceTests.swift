import FlowData
import FlowRandom
import Foundation
import Testing

@Suite struct ToySourceTests {
  /// With no noise, the moons are exactly scikit-learn's closed form: the outer arc sorted
  /// by decreasing x and the inner arc by increasing x list the points in linspace order.
  @Test(arguments: [2, 7, 100, 1001]) func noiselessMoonsMatchTheClosedForm(n: Int) throws {
    var g = Xoshiro256(seed: 4, stream: "moons")
    let d = try ToySource.moons.sample(count: n, generator: &g)
    #expect(d.count == n && d.dimension == 2 && d.source == "moons (toy data)")
    let nOut = n / 2
    let nIn = n - nOut
    let outer = (0..<n).filter { d.labels![$0] == 0 }.map { d.row($0) }.sorted { $0[0] > $1[0] }
    let inner = (0..<n).filter { d.labels![$0] == 1 }.map { d.row($0) }.sorted { $0[0] < $1[0] }
    #expect(outer.count == nOut && inner.count == nIn)
    for (k, p) in outer.enumerated() {
      let t = nOut == 1 ? 0 : Double.pi * Double(k) / Double(nOut - 1)
      #expect(abs(Double(p[0]) - cos(t)) < 1e-6 && abs(Double(p[1]) - sin(t)) < 1e-6)
    }
    for (k, p) in inner.enumerated() {
      let t = nIn == 1 ? 0 : Double.pi * Double(k) / Double(nIn - 1)
      #expect(abs(Double(p[0]) - (1 - cos(t))) < 1e-6 && abs(Double(p[1]) - (1 - sin(t) - 0.5)) < 1e-6)
    }
    // Shuffled: the labels are not all zeros then all ones.
    if n > 10 { #expect(d.labels! != d.labels!.sorted()) }
  }

  /// Noise is drawn after the shuffle and even when it is 0, so the same seed with and
  /// without noise differ by exactly the noise: its mean must be ≈ 0 and its std ≈ `noise`.
  @Test func moonsNoiseStatistics() throws {
    let n = 20_000
    let sigma = 0.1
    var g1 = Xoshiro256(seed: 9)
    var g2 = Xoshiro256(seed: 9)
    let clean = try ToySource.moons.sample(count: n, generator: &g1)
    let noisy = try ToySource.moons.sample(count: n, options: ToyOptions(noise: sigma), generator: &g2)
    #expect(clean.labels == noisy.labels)
    let residual = Dataset(
      values: zip(noisy.values, clean.values).map { $0 - $1 }, count: n, dimension: 2, source: "residual")
    let m = residual.columnMeans()
    let s = residual.columnStandardDeviations()
    // Standard error of the mean: 0.1 / √20000 ≈ 0.0007; of the std: ≈ 0.0005.
    #expect(abs(m[0]) < 0.003 && abs(m[1]) < 0.003, "means \(m)")
    #expect(abs(s[0] - sigma) < 0.003 && abs(s[1] - sigma) < 0.003, "stds \(s)")
    // And the noisy set's own statistics: the clean moons' means (½, ¼ up to O(1/n)) and
    // variances plus σ².
    let cm = clean.columnMeans()
    let cs = clean.columnStandardDeviations()
    #expect(abs(cm[0] - 0.5) < 1e-3 && abs(cm[1] - 0.25) < 1e-3, "clean means \(cm)")
    let nm = noisy.columnMeans()
    let ns = noisy.columnStandardDeviations()
    for j in 0..<2 {
      #expect(abs(nm[j] - cm[j]) < 0.005)
      #expect(abs(ns[j] - (cs[j] * cs[j] + sigma * sigma).squareRoot()) < 0.01)
    }
  }

  @Test func noiselessCirclesMatchTheClosedForm() throws {
    var g = Xoshiro256(seed: 1)
    let n = 9
    let d = try ToySource.circles.sample(count: n, options: ToyOptions(factor: 0.5), generator: &g)
    for i in 0..<n {
      let r = (Double(d[i, 0]) * Double(d[i, 0]) + Double(d[i, 1]) * Double(d[i, 1])).squareRoot()
      #expect(abs(r - (d.labels![i] == 0 ? 1 : 0.5)) < 1e-6)
    }
    // The outer circle's angles are 2πk/4 (no endpoint): (1,0), (0,1), (−1,0), (0,−1).
    let outer = Set((0..<n).filter { d.labels![$0] == 0 }.map { [Int(d[$0, 0].rounded()), Int(d[$0, 1].rounded())] })
    #expect(outer == [[1, 0], [0, 1], [-1, 0], [0, -1]])
  }

  @Test func eightGaussiansSitOnTheirCentres() throws {
    var g = Xoshiro256(seed: 2)
    let d = try ToySource.eightGaussians.sample(count: 16_000, generator: &g)
    let r = 1 / 2.0.squareRoot()
    let centers: [(Double, Double)] = [(1, 0), (-1, 0), (0, 1), (0, -1), (r, r), (r, -r), (-r, r), (-r, -r)]
    for k in 0..<8 {
      let part = d.rows((0..<d.count).filter { d.labels![$0] == k })
      #expect(part.count > 1700 && part.count < 2300)
      let m = part.columnMeans()
      let s = part.columnStandardDeviations()
      #expect(abs(m[0] - 4 * centers[k].0 / 1.414) < 0.05 && abs(m[1] - 4 * centers[k].1 / 1.414) < 0.05)
      #expect(abs(s[0] - 0.5 / 1.414) < 0.03 && abs(s[1] - 0.5 / 1.414) < 0.03)
    }
  }

  @Test func checkerboardFillsOnlyDarkSquares() throws {
    var g = Xoshiro256(seed: 3)
    let d = try ToySource.checkerboard.sample(count: 5000, generator: &g)
    var squares = Set<[Int]>()
    for i in 0..<d.count {
      let x1 = Double(d[i, 0]) / 2
      let x2 = Double(d[i, 1]) / 2
      #expect(x1 >= -2 && x1 < 2 && x2 >= -2 && x2 < 2)
      let c = Int(floor(x1))
      let r = Int(floor(x2))
      #expect((c + r) % 2 == 0, "point (\(x1), \(x2)) is on a light square")
      squares.insert([c, r])
    }
    #expect(squares.count == 8)
  }

  @Test func twoSpiralsAndPinwheelShapes() throws {
    var g = Xoshiro256(seed: 4)
    let s = try ToySource.twoSpirals.sample(count: 4001, generator: &g)
    #expect(s.labels!.filter { $0 == 0 }.count == 2001)
    for i in 0..<s.count {
      let r = (Double(s[i, 0]) * Double(s[i, 0]) + Double(s[i, 1]) * Double(s[i, 1])).squareRoot()
      #expect(r < (3 * Double.pi + 0.71) / 3 + 0.6)
    }
    let p = try ToySource.pinwheel.sample(count: 5003, generator: &g)
    let sizes = (0..<5).map { k in p.labels!.filter { $0 == k }.count }
    #expect(sizes == [1001, 1001, 1001, 1000, 1000])
    var radius = 0.0
    for i in 0..<p.count { radius += (Double(p[i, 0]) * Double(p[i, 0]) + Double(p[i, 1]) * Double(p[i, 1])).squareRoot() }
    // |point| = 2·|f| with f₁ ~ N(1, 0.3²), f₂ ~ N(0, 0.1²): about 2.01 on average.
    #expect(abs(radius / Double(p.count) - 2.01) < 0.05)
  }

  @Test(arguments: ToySource.allCases) func seededDeterminism(source: ToySource) throws {
    var a = Xoshiro256(seed: 11, stream: "data")
    var b = Xoshiro256(seed: 11, stream: "data")
    var c = Xoshiro256(seed: 12, stream: "data")
    let x = try source.sample(count: 50, generator: &a)
    #expect(x == (try source.sample(count: 50, generator: &b)))
    #expect(x != (try source.sample(count: 50, generator: &c)))
    #expect(x.count == 50 && x.dimension == 2 && x.values.allSatisfy(\.isFinite))
  }

  @Test func optionsAreChecked() {
    var g = Xoshiro256(seed: 0)
    let e = expectDataError("data-invalid-option") { _ = try ToySource.moons.sample(count: 10, options: ToyOptions(factor: 0.5), generator: &g) }
    #expect(e?.description == "moons (toy data): invalid option 'factor' 0.5: expected only the options moons reads (noise)")
    expectDataError("data-invalid-option") { _ = try ToySource.circles.sample(count: 10, options: ToyOptions(factor: 1), generator: &g) }
    expectDataError("data-invalid-option") { _ = try ToySource.moons.sample(count: 10, options: ToyOptions(noise: -1), generator: &g) }
    expectDataError("data-invalid-option") { _ = try ToySource.pinwheel.sample(count: 10, options: ToyOptions(noise: 0.1), generator: &g) }
    #expect(ToySource(rawValue: "eight_gaussians") == .eightGaussians)
  }

  @Test func samplerModes() throws {
    var fresh = try ToySampler(source: .moons, options: ToyOptions(noise: 0.05), mode: .fresh, generator: Xoshiro256(seed: 1))
    #expect(fresh.nextBatch(100).values != fresh.nextBatch(100).values)
    var fixed = try ToySampler(source: .moons, options: ToyOptions(noise: 0.05), mode: .fixed(count: 10), generator: Xoshiro256(seed: 1))
    let a = fixed.nextBatch(6)
    let b = fixed.nextBatch(6)
    #expect(a.count == 6 && b.count == 4, "the epoch's last batch holds the 4 remaining points")
    let all = Set((a.values + b.values).map(\.bitPattern))
    let c = fixed.nextBatch(10)
    #expect(Set(c.values.map(\.bitPattern)) == all, "a fixed set is reused epoch after epoch")
  }

  /// Compares with scikit-learn itself when python3 can import it (never installed by the
  /// tests). Without noise and shuffling both give the same points, up to row order.
  @Test(.enabled(if: ToySourceTests.scikitLearnAvailable, "python3 cannot import sklearn, so the comparison with scikit-learn is skipped"))
  func matchesScikitLearnWhenAvailable() throws {
    let script = """
      from sklearn.datasets import make_moons, make_circles
      for X in (make_moons(11, shuffle=False)[0], make_circles(11, shuffle=False, factor=0.3)[0]):
          print(' '.join('%.17g,%.17g' % (a, b) for a, b in X))
      """
    let out = try runPython(script).split(separator: "\n")
    var g = Xoshiro256(seed: 0)
    let ours = [
      try ToySource.moons.sample(count: 11, generator: &g),
      try ToySource.circles.sample(count: 11, options: ToyOptions(factor: 0.3), generator: &g),
    ]
    for (line, d) in zip(out, ours) {
      let theirs = line.split(separator: " ").map { $0.split(separator: ",").map { Float(Double($0)!) } }
      let key = { (p: [Float]) in [p[0], p[1]] }
      let a = theirs.map(key).sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
      let b = (0..<d.count).map { d.row($0) }.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
      #expect(a.count == b.count)
      for (p, q) in zip(a, b) { #expect(abs(p[0] - q[0]) < 1e-6 && abs(p[1] - q[1]) < 1e-6) }
    }
  }

  /// True when `python3 -c "import sklearn"` succeeds.
  static let scikitLearnAvailable: Bool = (try? runPython("import sklearn")) != nil
}

/// Runs a python3 script and returns its standard output; throws when it fails.
func runPython(_ script: String) throws -> String {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  p.arguments = ["python3", "-c", script]
  let pipe = Pipe()
  p.standardOutput = pipe
  p.standardError = FileHandle.nullDevice
  try p.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  struct Failed: Error {}
  guard p.terminationStatus == 0 else { throw Failed() }
  return String(decoding: data, as: UTF8.self)
}
