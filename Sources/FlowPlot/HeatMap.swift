import Foundation

/// Maps 0...1 to a colour: viridis, interpolated between nine of its stops.
public func viridis(_ t: Double) -> Color {
  let stops: [(Double, Double, Double)] = [
    (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
    (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
  ]
  let u = min(1, max(0, t.isFinite ? t : 0)) * Double(stops.count - 1)
  let i = min(stops.count - 2, Int(u))
  let f = u - Double(i)
  let (a, b) = (stops[i], stops[i + 1])
  func mix(_ p: Double, _ q: Double) -> UInt8 { UInt8(max(0, min(255, p + (q - p) * f))) }
  return Color(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

extension Axes {
  /// Fills the whole plot area with `values` (`columns` × `rows`, row 0 at the bottom,
  /// i.e. at y's lower bound) coloured by viridis between their minimum and maximum
  /// (non-finite values take the minimum's colour).
  public func heatMap(_ values: [Double], columns: Int, rows: Int) {
    let range = extent(values)
    let span = range.upperBound - range.lowerBound
    var rgb: [Color] = []
    rgb.reserveCapacity(values.count)
    for r in (0..<rows).reversed() {
      for c in 0..<columns {
        let v = values[r * columns + c]
        rgb.append(viridis(span > 0 && v.isFinite ? (v - range.lowerBound) / span : 0))
      }
    }
    canvas.image(rgb: rgb, columns: columns, rows: rows, in: frame)
  }

  /// Bars from `edges[i]` to `edges[i + 1]` of height `counts[i]`.
  public func bars(edges: [Double], counts: [Double], color: Color = .data) {
    clipped {
      for i in 0..<min(counts.count, edges.count - 1) {
        let a = pixel(edges[i], 0)
        let b = pixel(edges[i + 1], counts[i])
        canvas.fill(Rect(x: a.x, y: b.y, width: max(1, b.x - a.x - 1), height: a.y - b.y), color)
      }
    }
  }
}
