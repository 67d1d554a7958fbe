import FlowPlot
import PNGTestSupport
import Foundation
import Testing

@Suite struct FlowPlotTests {
  static func temporaryPNG() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowplot-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("figure.png").path
  }

  @Test func ticksAreRoundAndCoverTheRange() {
    #expect(niceTicks(0...10) == [0, 2, 4, 6, 8, 10])
    #expect(niceTicks(-1.3...2.2) == [-1, 0, 1, 2])
    #expect(niceTicks(0.1...0.45) == [0.1, 0.2, 0.3, 0.4])
    #expect(tickLabel(0.5, ticks: [0, 0.5, 1]) == "0.5")
    #expect(tickLabel(2000, ticks: [0, 1000, 2000]) == "2000")
  }

  /// Points drawn in a known colour land on the pixels `Axes.pixel` maps them to, and
  /// nowhere else has that colour.
  @Test func scatterPointsLandWhereTheAxesMapThem() throws {
    let canvas = Canvas(width: 400, height: 300)
    let axes = Axes(canvas: canvas, cell: canvas.bounds, x: -2...2, y: 0...1)
    axes.decorate(title: "points", xLabel: "x", yLabel: "y")
    let points: [(Double, Double)] = [(-1.5, 0.2), (0, 0.5), (1.7, 0.9)]
    axes.scatter(points.map(\.0), points.map(\.1), color: Color(214, 39, 40), radius: 4)
    let path = try Self.temporaryPNG()
    try canvas.writePNG(to: path)
    let png = try #require(PNGPixels(path: path))
    #expect(png.width == 400 && png.height == 300)
    for (x, y) in points {
      let p = axes.pixel(x, y)
      #expect(png.matches(Int(p.x), Int(p.y), (214, 39, 40)), "no point at (\(x), \(y))")
    }
    #expect(png.matches(5, 5, (255, 255, 255)))
    let empty = axes.pixel(1, 0.2)
    #expect(!png.matches(Int(empty.x), Int(empty.y), (214, 39, 40)))
  }

  /// A heat map puts the high values where they are: top right high, bottom left low.
  @Test func heatMapOrientation() throws {
    let canvas = Canvas(width: 200, height: 200)
    let axes = Axes(canvas: canvas, cell: canvas.bounds, x: 0...1, y: 0...1)
    var values: [Double] = []
    for r in 0..<10 { for c in 0..<10 { values.append(Double(r + c)) } }
    axes.heatMap(values, columns: 10, rows: 10)
    let path = try Self.temporaryPNG()
    try canvas.writePNG(to: path)
    let png = try #require(PNGPixels(path: path))
    let low = axes.pixel(0.02, 0.02)
    let high = axes.pixel(0.98, 0.98)
    #expect(png.matches(Int(low.x), Int(low.y), (68, 1, 84)))
    #expect(png.matches(Int(high.x), Int(high.y), (253, 231, 37)))
  }

  @Test func imageGridAndLines() throws {
    let grid = ImageGrid(images: [[UInt8](repeating: 255, count: 16), [UInt8](repeating: 0, count: 16)], width: 4, height: 4,
                         columns: 2)
    let size = grid.size(scale: 3)
    #expect(size.width == 28 && size.height == 14)
    let canvas = Canvas(width: size.width, height: size.height, background: Color(255, 0, 0))
    grid.draw(on: canvas, x: 0, y: 0, scale: 3)
    let path = try Self.temporaryPNG()
    try canvas.writePNG(to: path)
    let png = try #require(PNGPixels(path: path))
    #expect(png.matches(5, 5, (255, 255, 255)))
    #expect(png.matches(20, 5, (0, 0, 0)))

    let chart = Canvas(width: 300, height: 200)
    let axes = Axes(canvas: chart, cell: chart.bounds, x: 0...10, y: 0...10)
    axes.decorate(grid: true)
    axes.lines([Series(name: "train", x: [0, 10], y: [2, 2], color: Color(44, 160, 44))])
    axes.line([0, 10], [5.2, 5.2], color: Color(44, 160, 44), width: 5)
    try chart.writePNG(to: path)
    let lines = try #require(PNGPixels(path: path))
    let mid = axes.pixel(3, 5.2)
    #expect(lines.matches(Int(mid.x), Int(mid.y), (44, 160, 44)))
    let off = axes.pixel(3, 7)
    #expect(lines.matches(Int(off.x), Int(off.y), (255, 255, 255)))
  }
}
