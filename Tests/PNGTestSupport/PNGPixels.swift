import CCairo
import Foundation

/// A PNG decoded by cairo, for checking what a figure shows.
public struct PNGPixels: CustomStringConvertible {
  public let width: Int
  public let height: Int
  private let argb: [UInt32]

  public init?(path: String) {
    let surface = cairo_image_surface_create_from_png(path)
    defer { cairo_surface_destroy(surface) }
    guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let data = cairo_image_surface_get_data(surface) else {
      return nil
    }
    width = Int(cairo_image_surface_get_width(surface))
    height = Int(cairo_image_surface_get_height(surface))
    let stride = Int(cairo_image_surface_get_stride(surface))
    var pixels: [UInt32] = []
    for r in 0..<height {
      let row = (data + r * stride).withMemoryRebound(to: UInt32.self, capacity: width) { $0 }
      for c in 0..<width { pixels.append(row[c]) }
    }
    argb = pixels
  }

  /// Short, so a failed expectation does not print every pixel.
  public var description: String { "PNG \(width)x\(height)" }

  /// (red, green, blue) at pixel (x, y).
  public func rgb(_ x: Int, _ y: Int) -> (Int, Int, Int) {
    let p = argb[y * width + x]
    return (Int(p >> 16 & 0xFF), Int(p >> 8 & 0xFF), Int(p & 0xFF))
  }

  /// Whether the pixel at (x, y) is within `tolerance` of the colour.
  public func matches(_ x: Int, _ y: Int, _ color: (Int, Int, Int), tolerance: Int = 8) -> Bool {
    let p = rgb(x, y)
    return abs(p.0 - color.0) <= tolerance && abs(p.1 - color.1) <= tolerance && abs(p.2 - color.2) <= tolerance
  }
}
