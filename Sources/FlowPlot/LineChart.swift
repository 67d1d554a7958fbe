import CCairo
import Foundation

/// One named line of a line chart.
public struct Series: Sendable {
  public var name: String
  public var x: [Double]
  public var y: [Double]
  public var color: Color
  public var dashed: Bool

  public init(name: String, x: [Double], y: [Double], color: Color, dashed: Bool = false) {
    (self.name, self.x, self.y, self.color, self.dashed) = (name, x, y, color, dashed)
  }
}

extension Axes {
  /// A polyline through the finite points (xs[i], ys[i]); a non-finite value breaks it.
  public func line(_ xs: [Double], _ ys: [Double], color: Color, width: Double = 1.5, dashed: Bool = false) {
    clipped {
      let cr = canvas.cr
      canvas.setColor(color)
      cairo_set_line_width(cr, width)
      cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
      if dashed {
        var dashes: [Double] = [5, 3]
        cairo_set_dash(cr, &dashes, 2, 0)
      }
      var open = false
      for i in 0..<min(xs.count, ys.count) {
        guard xs[i].isFinite, ys[i].isFinite else { open = false; continue }
        let p = pixel(xs[i], ys[i])
        if open { cairo_line_to(cr, p.x, p.y) } else { cairo_move_to(cr, p.x, p.y) }
        open = true
      }
      cairo_stroke(cr)
      cairo_set_dash(cr, nil, 0, 0)
    }
  }

  /// Every series, then a legend in the top-right corner.
  public func lines(_ series: [Series]) {
    for s in series { line(s.x, s.y, color: s.color, dashed: s.dashed) }
    legend(series.map { ($0.name, $0.color, $0.dashed) })
  }

  /// A boxed legend of coloured line samples and names in the top-right corner.
  public func legend(_ entries: [(name: String, color: Color, dashed: Bool)]) {
    guard !entries.isEmpty else { return }
    let longest = entries.map(\.name.count).max() ?? 0
    let box = Rect(x: frame.maxX - 40 - Double(longest) * 6.2 - 8, y: frame.y + 6, width: 40 + Double(longest) * 6.2,
                   height: Double(entries.count) * 16 + 6)
    canvas.fill(box, Color.white.opacity(0.85))
    canvas.stroke(box, .gray)
    for (i, e) in entries.enumerated() {
      let yy = box.y + 11 + Double(i) * 16
      let cr = canvas.cr
      if e.dashed {
        var dashes: [Double] = [5, 3]
        cairo_set_dash(cr, &dashes, 2, 0)
      }
      canvas.line(box.x + 6, yy, box.x + 30, yy, e.color, width: 2)
      cairo_set_dash(cr, nil, 0, 0)
      canvas.text(e.name, x: box.x + 35, y: yy, size: 10, anchorY: 0.5)
    }
  }
}
