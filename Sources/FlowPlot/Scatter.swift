import CCairo
import Foundation

extension Axes {
  /// A filled disc of `radius` pixels at each point (xs[i], ys[i]).
  public func scatter(_ xs: [Double], _ ys: [Double], color: Color = .data, radius: Double = 1.5) {
    clipped {
      canvas.setColor(color)
      for i in 0..<min(xs.count, ys.count) where xs[i].isFinite && ys[i].isFinite {
        let p = pixel(xs[i], ys[i])
        cairo_new_sub_path(canvas.cr)
        cairo_arc(canvas.cr, p.x, p.y, radius, 0, 2 * Double.pi)
      }
      cairo_fill(canvas.cr)
    }
  }
}
