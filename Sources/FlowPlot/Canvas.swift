import CCairo
import Foundation

/// An RGB colour with opacity, components in 0...1.
public struct Color: Sendable, Equatable {
  public var red, green, blue, alpha: Double

  public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8, alpha: Double = 1) {
    (self.red, self.green, self.blue, self.alpha) = (Double(red) / 255, Double(green) / 255, Double(blue) / 255, alpha)
  }

  public func opacity(_ alpha: Double) -> Color {
    var c = self
    c.alpha = alpha
    return c
  }

  public static let white = Color(255, 255, 255)
  public static let black = Color(0, 0, 0)
  public static let gray = Color(128, 128, 128)
  public static let lightGray = Color(225, 225, 225)
  /// The colours series take in turn (matplotlib's first four).
  public static let series = [Color(31, 119, 180), Color(255, 127, 14), Color(44, 160, 44), Color(214, 39, 40)]
  /// Data points in the figures.
  public static let data = Color(31, 119, 180)
  /// Samples of a flow.
  public static let samples = Color(214, 39, 40)
}

/// A rectangle in pixels, origin top left.
public struct Rect: Sendable, Equatable {
  public var x, y, width, height: Double

  public init(x: Double, y: Double, width: Double, height: Double) {
    (self.x, self.y, self.width, self.height) = (x, y, width, height)
  }

  public var maxX: Double { x + width }
  public var maxY: Double { y + height }

  public func inset(left: Double, top: Double, right: Double, bottom: Double) -> Rect {
    Rect(x: x + left, y: y + top, width: max(1, width - left - right), height: max(1, height - top - bottom))
  }
}

public struct PlotError: Error, CustomStringConvertible {
  public var description: String

  public init(description: String) {
    self.description = description
  }
}

/// A cairo image surface and its drawing context: the page every figure is drawn on.
public final class Canvas {
  public let width: Int
  public let height: Int
  let surface: OpaquePointer
  let cr: OpaquePointer

  public init(width: Int, height: Int, background: Color = .white) {
    self.width = width
    self.height = height
    surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
    cr = cairo_create(surface)
    setColor(background)
    cairo_paint(cr)
  }

  deinit {
    cairo_destroy(cr)
    cairo_surface_destroy(surface)
  }

  /// The whole page.
  public var bounds: Rect { Rect(x: 0, y: 0, width: Double(width), height: Double(height)) }

  /// Cell (`row`, `column`) of a `rows` × `columns` layout below a band of `top` pixels.
  public func cell(row: Int, column: Int, rows: Int, columns: Int, top: Double = 0) -> Rect {
    let w = Double(width) / Double(columns)
    let h = (Double(height) - top) / Double(rows)
    return Rect(x: Double(column) * w, y: top + Double(row) * h, width: w, height: h)
  }

  /// Writes the page as PNG.
  public func writePNG(to path: String) throws {
    cairo_surface_flush(surface)
    let status = cairo_surface_write_to_png(surface, path)
    guard status == CAIRO_STATUS_SUCCESS else {
      throw PlotError(description: "cannot write \(path): \(String(cString: cairo_status_to_string(status)))")
    }
  }

  /// The page as PNG bytes (cairo's PNG writer, to memory).
  public func pngData() -> [UInt8] {
    cairo_surface_flush(surface)
    var bytes: [UInt8] = []
    withUnsafeMutablePointer(to: &bytes) { out in
      _ = cairo_surface_write_to_png_stream(surface, { closure, data, length in
        guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
        closure.assumingMemoryBound(to: [UInt8].self).pointee.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
        return CAIRO_STATUS_SUCCESS
      }, out)
    }
    return bytes
  }

  // MARK: - Drawing primitives (thin wrappers of cairo calls)

  func setColor(_ c: Color) {
    cairo_set_source_rgba(cr, c.red, c.green, c.blue, c.alpha)
  }

  func fill(_ r: Rect, _ color: Color) {
    setColor(color)
    cairo_rectangle(cr, r.x, r.y, r.width, r.height)
    cairo_fill(cr)
  }

  func stroke(_ r: Rect, _ color: Color, width: Double = 1) {
    setColor(color)
    cairo_set_line_width(cr, width)
    cairo_rectangle(cr, r.x, r.y, r.width, r.height)
    cairo_stroke(cr)
  }

  func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ color: Color, width: Double = 1) {
    setColor(color)
    cairo_set_line_width(cr, width)
    cairo_move_to(cr, x0, y0)
    cairo_line_to(cr, x1, y1)
    cairo_stroke(cr)
  }

  /// Draws `text` with cairo's toy text API. `anchorX`/`anchorY` place the point (x, y)
  /// within the text's box: 0 left/top, 0.5 centre, 1 right/bottom.
  public func text(_ text: String, x: Double, y: Double, size: Double = 12, bold: Bool = false,
                   anchorX: Double = 0, anchorY: Double = 0.5, rotated: Bool = false, color: Color = .black) {
    cairo_save(cr)
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
    cairo_set_font_size(cr, size)
    var extents = cairo_text_extents_t()
    cairo_text_extents(cr, text, &extents)
    cairo_translate(cr, x, y)
    if rotated { cairo_rotate(cr, -Double.pi / 2) }
    // Vertical placement uses the cap height (about 0.73 of the size), not the glyphs' box,
    // so labels with and without descenders line up.
    cairo_move_to(cr, -extents.x_advance * anchorX, 0.73 * size * (1 - anchorY))
    setColor(color)
    cairo_show_text(cr, text)
    cairo_restore(cr)
  }

  /// Draws an image of `columns` × `rows` RGB pixels (row-major, top row first) stretched
  /// over `rect`, without smoothing, through a cairo image surface.
  func image(rgb: [Color], columns: Int, rows: Int, in rect: Rect) {
    guard columns > 0, rows > 0, rgb.count == columns * rows else { return }
    let img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(columns), Int32(rows))
    defer { cairo_surface_destroy(img) }
    cairo_surface_flush(img)
    let stride = Int(cairo_image_surface_get_stride(img))
    guard let base = cairo_image_surface_get_data(img) else { return }
    for r in 0..<rows {
      let row = (base + r * stride).withMemoryRebound(to: UInt32.self, capacity: columns) { $0 }
      for c in 0..<columns {
        let p = rgb[r * columns + c]
        let (red, green, blue) = (UInt32(p.red * 255 + 0.5), UInt32(p.green * 255 + 0.5), UInt32(p.blue * 255 + 0.5))
        row[c] = 0xFF00_0000 | red << 16 | green << 8 | blue
      }
    }
    cairo_surface_mark_dirty(img)
    cairo_save(cr)
    cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
    cairo_clip(cr)
    cairo_translate(cr, rect.x, rect.y)
    cairo_scale(cr, rect.width / Double(columns), rect.height / Double(rows))
    cairo_set_source_surface(cr, img, 0, 0)
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
    cairo_paint(cr)
    cairo_restore(cr)
  }
}
