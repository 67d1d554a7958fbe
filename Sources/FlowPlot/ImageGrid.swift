import Foundation

/// Grayscale images (one byte a pixel, 0 black, 255 white) in a grid of `columns`, each
/// `width` × `height` pixels, drawn `scale` times larger with a one-pixel gap between them.
public struct ImageGrid: Sendable {
  public var images: [[UInt8]]
  public var width: Int
  public var height: Int
  public var columns: Int

  public init(images: [[UInt8]], width: Int, height: Int, columns: Int) {
    (self.images, self.width, self.height, self.columns) = (images, width, height, columns)
  }

  public var rows: Int { (images.count + columns - 1) / max(1, columns) }

  /// The pixel size of the grid at `scale`.
  public func size(scale: Int) -> (width: Int, height: Int) {
    (columns * (width * scale + 2), rows * (height * scale + 2))
  }

  /// Draws the grid with its top-left corner at (x, y).
  public func draw(on canvas: Canvas, x: Double, y: Double, scale: Int) {
    for (k, image) in images.enumerated() where image.count == width * height {
      let r = k / columns
      let c = k % columns
      let rect = Rect(x: x + Double(c * (width * scale + 2)) + 1, y: y + Double(r * (height * scale + 2)) + 1,
                      width: Double(width * scale), height: Double(height * scale))
      canvas.image(rgb: image.map { Color($0, $0, $0) }, columns: width, rows: height, in: rect)
    }
  }
}
