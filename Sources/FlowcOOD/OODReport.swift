import FlowPlot
import FlowcDiagnostics
import FlowcReport
import Foundation

/// The figures and the HTML page of an analysis.
extension OODAnalysis {
  /// One figure: a file name, a caption and the drawing.
  package struct Figure {
    package var file: String
    package var caption: String
    package var canvas: Canvas
  }

  /// The colours of the sets and the scores in turn (matplotlib's tab10).
  static let palette = Color.series + [Color(148, 103, 189), Color(140, 86, 75), Color(227, 119, 194), Color(127, 127, 127)]

  /// Every figure: per OUT set the overlaid bits/dim histograms and the ROC curves of
  /// every score; for image data, the most and least likely inputs of each set.
  package func figures() -> [Figure] {
    var out: [Figure] = []
    for (k, o) in outSets.enumerated() {
      out.append(Figure(file: "bpd-histogram-\(k + 1).png",
                        caption: "Bits/dim under the model: \(inSet.set.name) (IN) and \(o.set.name) (OUT), each as a fraction of its set; values beyond the range are counted in the end bins.",
                        canvas: histogram(o)))
      out.append(Figure(file: "roc-\(k + 1).png", caption: "ROC curves of every score, OUT (\(o.set.name)) positive.", canvas: roc(k)))
    }
    if image != nil {
      for (k, s) in ([inSet] + outSets).enumerated() {
        out.append(Figure(file: k == 0 ? "extremes-in.png" : "extremes-out-\(k).png",
                          caption: "\(s.set.name): the 16 most likely inputs (top, lowest bits/dim first) and the 16 least likely (bottom, highest last).",
                          canvas: extremes(s)))
      }
    }
    return out
  }

  /// Histograms of IN's and OUT's bits/dim on the same bins, bars half transparent. The
  /// range covers the bulk of each set: from its 1st to its 99th percentile, but no
  /// farther than 6 interquartile ranges from its median (a briefly trained flow gives a
  /// few inputs hundreds of bits/dim); values beyond go into the end bins.
  func histogram(_ o: ScoredSet) -> Canvas {
    let sets = [inSet, o]
    let finite = sets.map { $0.bitsPerDimension.filter(\.isFinite).sorted() }
    func quantile(_ v: [Double], _ q: Double) -> Double { v.isEmpty ? 0 : v[min(v.count - 1, Int(q * Double(v.count - 1)))] }
    func bulk(_ v: [Double]) -> (Double, Double) {
      let (median, iqr) = (quantile(v, 0.5), quantile(v, 0.75) - quantile(v, 0.25))
      return (max(quantile(v, 0.01), median - 6 * iqr), min(quantile(v, 0.99), median + 6 * iqr))
    }
    var lo = finite.map { bulk($0).0 }.min() ?? 0
    var hi = finite.map { bulk($0).1 }.max() ?? 1
    if !(hi > lo) { (lo, hi) = (lo - 0.5, lo + 0.5) }
    let bins = 40
    let step = (hi - lo) / Double(bins)
    let counts = finite.map { values -> [Double] in
      var c = [Double](repeating: 0, count: bins)
      for v in values { c[max(0, min(bins - 1, Int((v - lo) / step)))] += 1 }
      return c.map { $0 / Double(max(1, values.count)) }
    }
    let canvas = Canvas(width: 640, height: 400)
    let top = (counts.flatMap { $0 }.max() ?? 1) * 1.1
    let axes = Axes(canvas: canvas, cell: canvas.bounds, x: lo...hi, y: 0...top)
    let edges = (0...bins).map { lo + Double($0) * step }
    for (i, c) in counts.enumerated() { axes.bars(edges: edges, counts: c, color: Self.palette[i].opacity(0.55)) }
    axes.decorate(title: "bits/dim under the model", xLabel: "bits/dim", yLabel: "fraction of the set")
    axes.legend(sets.enumerated().map { (i, s) in (short((i == 0 ? "IN " : "OUT ") + s.set.name), Self.palette[i], false) })
    return canvas
  }

  /// The ROC curve of every score for OUT set `k`, with the diagonal of chance.
  func roc(_ k: Int) -> Canvas {
    let canvas = Canvas(width: 640, height: 480)
    let axes = Axes(canvas: canvas, cell: canvas.bounds, x: 0...1, y: 0...1)
    axes.decorate(title: short("ROC: \(outSets[k].set.name) vs IN", 60), xLabel: "false-positive rate (IN flagged)",
                  yLabel: "true-positive rate (OUT flagged)", grid: true)
    axes.line([0, 1], [0, 1], color: .gray, width: 1, dashed: true)
    var series: [Series] = []
    for (i, r) in results.filter({ $0.out == k }).enumerated() {
      series.append(Series(name: "\(r.score.title)  \(formatFixed(r.metrics.auroc, 3))", x: r.roc.map(\.fpr), y: r.roc.map(\.tpr),
                           color: Self.palette[i % Self.palette.count]))
    }
    for s in series { axes.line(s.x, s.y, color: s.color, width: 2) }
    axes.legend(series.map { ($0.name, $0.color, false) })
    return canvas
  }

  /// Two grids of a set's inputs: the 16 with the lowest bits/dim and the 16 with the highest.
  func extremes(_ s: ScoredSet) -> Canvas {
    let img = image!
    let order = s.bitsPerDimension.indices.sorted { a, b in
      let (x, y) = (s.bitsPerDimension[a], s.bitsPerDimension[b])
      return x.isNaN ? false : y.isNaN ? true : x < y
    }
    let n = min(16, order.count)
    let d = s.set.data.dimension
    func grid(_ rows: ArraySlice<Int>) -> ImageGrid {
      ImageGrid(images: rows.map { img.gray(s.set.data.values[$0 * d..<($0 + 1) * d]) }, width: img.width, height: img.height, columns: 8)
    }
    let most = grid(order.prefix(n))
    let least = grid(order.suffix(n))
    let scale = max(1, 56 / max(img.width, img.height))
    let size = most.size(scale: scale)
    let band = 22.0
    let canvas = Canvas(width: max(size.width + 20, 360), height: 2 * (size.height + Int(band)) + 10)
    func caption(_ rows: ArraySlice<Int>) -> String {
      guard let a = rows.first, let b = rows.last else { return "" }
      return "\(formatFixed(s.bitsPerDimension[a], 3)) to \(formatFixed(s.bitsPerDimension[b], 3)) bits/dim"
    }
    canvas.text("most likely: \(caption(order.prefix(n)))", x: 10, y: band / 2 + 2, size: 12, bold: true)
    most.draw(on: canvas, x: 10, y: band, scale: scale)
    let y = Double(size.height) + band
    canvas.text("least likely: \(caption(order.suffix(n)))", x: 10, y: y + band / 2 + 2, size: 12, bold: true)
    least.draw(on: canvas, x: 10, y: y + band, scale: scale)
    return canvas
  }

  /// Writes the self-contained HTML page (figures inlined) to `path`, and the figures as
  /// PNG files into `figuresDirectory` when given.
  package func writeReport(to path: String?, figuresDirectory: String?) throws {
    let figures = figures()
    if let dir = figuresDirectory {
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      for f in figures { try f.canvas.writePNG(to: (dir as NSString).appendingPathComponent(f.file)) }
    }
    guard let path else { return }
    typealias H = ReportHTML
    var body = "<p>model <code>\(H.escape(checkpoint))</code> ('\(H.escape(modelName))', \(formatCount(dimension)) dimensions)"
    if let background { body += ", background <code>\(H.escape(background))</code>" }
    body += "; typical bits/dim \(formatFixed(typicalBitsPerDimension, 4)) over \(formatCount(typicalRows)) training rows.</p>\n"
    body += "<p>IN: \(H.escape(describe(inSet)))</p>\n"
    for (k, o) in outSets.enumerated() {
      body += "<h2>OUT: \(H.escape(o.set.name))</h2>\n<p>\(H.escape(describe(o)))</p>\n"
      body += "<table>\n<tr><th>score</th><th>AUROC</th><th>AUPR</th><th>FPR95</th><th>IN</th><th>OUT</th></tr>\n"
      for r in results where r.out == k {
        body += "<tr><td style=\"text-align:left\">\(H.escape(r.score.title))</td><td>\(formatFixed(r.metrics.auroc, 3))</td>"
          + "<td>\(formatFixed(r.metrics.averagePrecision, 3))</td><td>\(formatFixed(r.metrics.falsePositiveRateAt95, 3))</td>"
          + "<td>\(r.inCount)</td><td>\(r.outCount)</td></tr>\n"
      }
      body += "</table>\n"
    }
    body += "<h2>Scores</h2>\n<p>Every score is higher for inputs more likely out of distribution; OUT is the positive class. "
      + "AUROC is the Mann-Whitney statistic (ties count one half), AUPR the average precision, FPR95 the fraction of IN scoring at "
      + "or above the highest threshold that flags 95 % of OUT.</p>\n<ul>\n"
    for s in scores { body += "<li><b>\(H.escape(s.title))</b>: \(H.escape(s.definition))</li>\n" }
    body += "</ul>\n<h2>Figures</h2>\n"
    for f in figures {
      body += "<figure>\n" + H.image(f.canvas.pngData(), alt: f.caption) + "<figcaption>\(H.escape(f.caption))</figcaption>\n</figure>\n"
    }
    try Data(H.page(title: "flowc ood: \(modelName)", body: body).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
  }
}

/// `text` cut to `limit` characters with an ellipsis.
func short(_ text: String, _ limit: Int = 44) -> String { text.count <= limit ? text : String(text.prefix(limit - 1)) + "…" }
