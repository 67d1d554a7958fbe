/// Data-space image rows (intensities in [0, levels)) as 8-bit grayscale, for the
/// compressor and the image grids.
struct EightBit {
  /// The image shape: `[H, W]` or `[C, H, W]`.
  let shape: [Int]
  /// The model's intensity levels (256 for 8-bit data).
  let levels: Int

  var height: Int { shape[shape.count - 2] }
  var width: Int { shape[shape.count - 1] }
  var channels: Int { shape.count > 2 ? shape.dropLast(2).reduce(1, *) : 1 }

  /// ⌊x⌋ clamped to [0, levels − 1], then stretched to 0…255 when levels ≠ 256.
  func byte(_ x: Float) -> UInt8 {
    let top = Float(levels - 1)
    let v = x.isNaN ? 0 : Swift.max(0, Swift.min(top, x.rounded(.down)))
    return UInt8(levels == 256 ? v : (v * 255 / top).rounded())
  }

  /// The row's channels stacked vertically (C·H rows of W bytes): what the compressor
  /// reads, so every stored value counts.
  func planes(_ row: ArraySlice<Float>) -> (pixels: [UInt8], width: Int, height: Int) {
    (row.map(byte), width, channels * height)
  }

  /// The mean of the row's channels, one byte a pixel: what the grids show.
  func gray(_ row: ArraySlice<Float>) -> [UInt8] {
    let plane = width * height
    let start = row.startIndex
    return (0..<plane).map { p in
      var sum: Float = 0
      for c in 0..<channels { sum += row[start + c * plane + p] }
      return byte(sum / Float(channels))
    }
  }
}
