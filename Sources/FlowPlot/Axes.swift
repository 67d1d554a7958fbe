import CCairo
import Foundation

/// A plot area on a canvas: maps data coordinates to pixels and draws the frame, tick
/// numbers, title and axis labels. Plot types (scatter, lines, heat map, bars) draw on it.
public final class Axes {
  public let canvas: Canvas
  /// The plot area in pixels (inside the margins of the cell it was made for).
  public let frame: Rect
  public let x: ClosedRange<Double>
  public let y: ClosedRange<Double>

  /// Axes filling `cell`, with margins for tick numbers, labels and the title.
  public init(canvas: Canvas, cell: Rect, x: ClosedRange<Double>, y: ClosedRange<Double>) {
    self.canvas = canvas
    self.frame = cell.inset(left: 62, top: 30, right: 14, bottom: 44)
    self.x = x
    self.y = y
  }

  /// The pixel of the data point (x, y).
  public func pixel(_ px: Double, _ py: Double) -> (x: Double, y: Double) {
    let u = (px - x.lowerBound) / (x.upperBound - x.lowerBound)
    let v = (py - y.lowerBound) / (y.upperBound - y.lowerBound)
    return (frame.x + u * frame.width, frame.maxY - v * frame.height)
  }

  /// Frame, ticks with their numbers, title and axis labels.
  public func decorate(title: String = "", xLabel: String = "", yLabel: String = "", grid: Bool = false) {
    let c = canvas
    let xt = niceTicks(x)
    let yt = niceTicks(y)
    for t in xt {
      let p = pixel(t, y.lowerBound).x
      if grid { c.line(p, frame.y, p, frame.maxY, .lightGray) }
      c.line(p, frame.maxY, p, frame.maxY + 4, .black)
      c.text(tickLabel(t, ticks: xt), x: p, y: frame.maxY + 6, size: 10, anchorX: 0.5, anchorY: 0)
    }
    for t in yt {
      let p = pixel(x.lowerBound, t).y
      if grid { c.line(frame.x, p, frame.maxX, p, .lightGray) }
      c.line(frame.x - 4, p, frame.x, p, .black)
      c.text(tickLabel(t, ticks: yt), x: frame.x - 6, y: p, size: 10, anchorX: 1, anchorY: 0.5)
    }
    c.stroke(frame, .black)
    if !title.isEmpty { c.text(title, x: frame.x + frame.width / 2, y: frame.y - 8, size: 13, bold: true, anchorX: 0.5, anchorY: 1) }
    if !xLabel.isEmpty { c.text(xLabel, x: frame.x + frame.width / 2, y: frame.maxY + 24, size: 11, anchorX: 0.5, anchorY: 0) }
    if !yLabel.isEmpty { c.text(yLabel, x: frame.x - 46, y: frame.y + frame.height / 2, size: 11, anchorX: 0.5, anchorY: 1, rotated: true) }
  }

  /// Runs `draw` with drawing clipped to the plot area.
  func clipped(_ draw: () -> Void) {
    cairo_save(canvas.cr)
    cairo_rectangle(canvas.cr, frame.x, frame.y, frame.width, frame.height)
    cairo_clip(canvas.cr)
    draw()
    cairo_restore(canvas.cr)
  }
}
