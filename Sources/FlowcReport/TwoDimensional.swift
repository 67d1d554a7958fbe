import FlowData
import FlowPlot
import FlowcRun
import Foundation

/// The figures of a flow on 2-D data.
enum TwoDimensional {
  /// A range holding most of `values` (the 0.5th to 99.5th percentile), padded, so a few
  /// far outliers do not squash the plot.
  static func robustRange(_ values: [Double]) -> ClosedRange<Double> {
    let sorted = values.filter(\.isFinite).sorted()
    guard sorted.count > 1 else { return padded(extent(sorted)) }
    let lo = sorted[Int(Double(sorted.count - 1) * 0.005)]
    let hi = sorted[Int(Double(sorted.count - 1) * 0.995)]
    return padded(lo...hi, 0.1)
  }

  static func columns(_ v: [Float]) -> (x: [Double], y: [Double]) {
    (stride(from: 0, to: v.count - 1, by: 2).map { Double(v[$0]) }, stride(from: 1, to: v.count, by: 2).map { Double(v[$0]) })
  }

  /// The seed notebook's four panels: z = f(X), z ~ p(z), X, X = g(z).
  static func panels(_ model: TrainedModel, _ data: Dataset) -> Canvas {
    let canvas = Canvas(width: 800, height: 800)
    let z = columns(model.encode(data))
    // A conditional flow draws each point's latent and sample with that point's context.
    let prior = model.priorSample(count: data.count, seed: 0, context: data.contextRows)
    let zPrior = columns(prior)
    let xSamples = columns(model.decode(prior, context: data.contextRows).values)
    let x = columns(data.values)
    let zx = robustRange(z.x + zPrior.x)
    let zy = robustRange(z.y + zPrior.y)
    let dx = padded(extent(x.x), 0.1)
    let dy = padded(extent(x.y), 0.1)
    let panels: [(String, (x: [Double], y: [Double]), Color, ClosedRange<Double>, ClosedRange<Double>, String)] = [
      ("z = f(X)", z, .data, zx, zy, "z"), ("z ~ p(z)", zPrior, .samples, zx, zy, "z"),
      ("X ~ p(X)", x, .data, dx, dy, "x"), ("X = g(z)", xSamples, .samples, dx, dy, "x"),
    ]
    for (i, p) in panels.enumerated() {
      let axes = Axes(canvas: canvas, cell: canvas.cell(row: i / 2, column: i % 2, rows: 2, columns: 2), x: p.3, y: p.4)
      axes.decorate(title: p.0, xLabel: "\(p.5)₀", yLabel: "\(p.5)₁")
      axes.scatter(p.1.x, p.1.y, color: p.2, radius: 1.5)
    }
    return canvas
  }

  /// p(x) on a 120 × 120 grid over the data's range, test points overlaid in white.
  static func density(_ model: TrainedModel, _ data: Dataset) -> Canvas {
    let canvas = Canvas(width: 640, height: 560)
    let x = columns(data.values)
    let rx = padded(extent(x.x), 0.1)
    let ry = padded(extent(x.y), 0.1)
    let n = 120
    var grid: [Float] = []
    grid.reserveCapacity(2 * n * n)
    for r in 0..<n {
      for c in 0..<n {
        grid.append(Float(rx.lowerBound + (Double(c) + 0.5) / Double(n) * (rx.upperBound - rx.lowerBound)))
        grid.append(Float(ry.lowerBound + (Double(r) + 0.5) / Double(n) * (ry.upperBound - ry.lowerBound)))
      }
    }
    let density = marginalDensity(model, grid, count: n * n, classesOf: data)
    let axes = Axes(canvas: canvas, cell: canvas.bounds, x: rx, y: ry)
    axes.heatMap(density, columns: n, rows: n)
    axes.decorate(title: "learnt density p(x), test data overlaid", xLabel: "x₀", yLabel: "x₁")
    let shown = min(x.x.count, 500)
    axes.scatter(Array(x.x.prefix(shown)), Array(x.y.prefix(shown)), color: Color.white.opacity(0.6), radius: 1.2)
    return canvas
  }

  /// p(x) at `count` points: for a conditional flow the mixture Σ_c p(c)·p(x | c) with the
  /// class frequencies of `data`'s labels, which is what a picture of the data shows; for
  /// a column context the mean of p(x | c) over (at most 16 of) `data`'s context rows.
  static func marginalDensity(_ model: TrainedModel, _ points: [Float], count: Int, classesOf data: Dataset) -> [Double] {
    if let names = model.contextColumns, let context = data.context, data.count > 0 {
      let w = data.contextWidth, m = min(16, data.count)
      var density = [Double](repeating: 0, count: count)
      let grid = Dataset(values: points, count: count, dimension: 2, source: "grid")
      for j in 0..<m {
        let r = j * data.count / m
        let lp = model.logDensity(grid.withContext(row: Array(context[(r * w)..<((r + 1) * w)]), columns: names))
        for i in 0..<count { density[i] += exp(lp[i]) / Double(m) }
      }
      return density
    }
    guard let k = model.contextClasses, let labels = data.labels, !labels.isEmpty else {
      return model.logDensity(Dataset(values: points, count: count, dimension: 2, source: "grid")).map { exp($0) }
    }
    var density = [Double](repeating: 0, count: count)
    for c in 0..<k {
      let weight = Double(labels.count { $0 == c }) / Double(labels.count)
      guard weight > 0 else { continue }
      let lp = model.logDensity(Dataset(values: points, count: count, dimension: 2,
                                        labels: [Int](repeating: c, count: count), source: "grid"))
      for i in 0..<count { density[i] += weight * exp(lp[i]) }
    }
    return density
  }

  /// Grid lines of data space (left) and their images under f (right); for a conditional
  /// flow, f of the data's most frequent class, or of the mean of a column context.
  static func warp(_ model: TrainedModel, _ data: Dataset) -> Canvas {
    let canvas = Canvas(width: 900, height: 450)
    let x = columns(data.values)
    let rx = padded(extent(x.x), 0.1)
    let ry = padded(extent(x.y), 0.1)
    let lines = 15
    let points = 100
    var polylines: [[Float]] = []
    for k in 0..<lines {
      let u = Double(k) / Double(lines - 1)
      let fx = rx.lowerBound + u * (rx.upperBound - rx.lowerBound)
      let fy = ry.lowerBound + u * (ry.upperBound - ry.lowerBound)
      var vertical: [Float] = []
      var horizontal: [Float] = []
      for j in 0..<points {
        let t = Double(j) / Double(points - 1)
        vertical += [Float(fx), Float(ry.lowerBound + t * (ry.upperBound - ry.lowerBound))]
        horizontal += [Float(rx.lowerBound + t * (rx.upperBound - rx.lowerBound)), Float(fy)]
      }
      polylines += [vertical, horizontal]
    }
    let all = polylines.flatMap { $0 }
    let mode = data.labels.flatMap { l in Dictionary(grouping: l, by: { $0 }).max { $0.value.count < $1.value.count }?.key }
    let gridLabels = model.contextClasses == nil ? nil : mode.map { [Int](repeating: $0, count: all.count / 2) }
    var gridData = Dataset(values: all, count: all.count / 2, dimension: 2, labels: gridLabels, source: "grid")
    if let names = model.contextColumns, let mean = data.contextMeans { gridData = gridData.withContext(row: mean, columns: names) }
    let mapped = model.encode(gridData)
    let z = columns(model.encode(data))
    let left = Axes(canvas: canvas, cell: canvas.cell(row: 0, column: 0, rows: 1, columns: 2), x: rx, y: ry)
    left.decorate(title: "data space", xLabel: "x₀", yLabel: "x₁")
    for p in polylines {
      let c = columns(p)
      left.line(c.x, c.y, color: .gray, width: 0.8)
    }
    left.scatter(x.x, x.y, color: Color.data.opacity(0.7), radius: 1.2)
    // The view follows the data's image: far from the data a trained flow can throw the
    // grid very far out, and a view holding all of it would shrink the data to a dot.
    let right = Axes(canvas: canvas, cell: canvas.cell(row: 0, column: 1, rows: 1, columns: 2),
                     x: padded(robustRange(z.x), 0.2), y: padded(robustRange(z.y), 0.2))
    right.decorate(title: "pushed through f", xLabel: "z₀", yLabel: "z₁")
    for k in 0..<polylines.count {
      let slice = Array(mapped[(k * 2 * points)..<((k + 1) * 2 * points)])
      let c = columns(slice)
      right.line(c.x, c.y, color: .gray, width: 0.8)
    }
    right.scatter(z.x, z.y, color: Color.data.opacity(0.7), radius: 1.2)
    return canvas
  }
}
