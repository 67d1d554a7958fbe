import CCairo
import CZlib

/// The lossless compressor whose output length stands for an input's complexity L(x)
/// (Serrà et al. 2020), on the 8-bit grayscale image.
///
/// PNG is the default, as in the paper (which found PNG and FLIF to work, FLIF best):
/// PNG's per-row prediction filters (Sub, Up, Average, Paeth, chosen per row by libpng)
/// turn smooth regions and repeated rows into near-zero residuals before deflate, so the
/// length measures local predictability, the kind of "simplicity" that inflates a
/// flow's likelihood. It is written through cairo, which flowc links for its figures
/// (an `A8` surface becomes an 8-bit grayscale PNG). `zlib` (deflate at level 9 on the
/// raw pixel bytes, no prediction) is offered for comparison: it only sees repeated byte
/// strings, such as runs of background.
package enum Compressor: String, Sendable, CaseIterable {
  case png, zlib

  /// The bits the compressor needs for one grayscale image of `width` × `height` bytes:
  /// for PNG the length of its IDAT data (the deflate stream of the filtered rows; the
  /// signature, IHDR, bKGD and IEND chunks are the same for every image of the size and
  /// are left out), for zlib the length of the zlib stream.
  package func bits(_ pixels: [UInt8], width: Int, height: Int) -> Int {
    precondition(pixels.count == width * height, "one byte a pixel")
    switch self {
    case .png: return 8 * pngImageDataLength(pixels, width: width, height: height)
    case .zlib: return 8 * zlibLength(pixels)
    }
  }
}

/// The summed length of the IDAT chunks of the PNG cairo writes for an A8 image.
func pngImageDataLength(_ pixels: [UInt8], width: Int, height: Int) -> Int {
  let surface = cairo_image_surface_create(CAIRO_FORMAT_A8, Int32(width), Int32(height))
  defer { cairo_surface_destroy(surface) }
  cairo_surface_flush(surface)
  let stride = Int(cairo_image_surface_get_stride(surface))
  let base = cairo_image_surface_get_data(surface)!
  for r in 0..<height {
    for c in 0..<width { base[r * stride + c] = pixels[r * width + c] }
  }
  cairo_surface_mark_dirty(surface)
  var png: [UInt8] = []
  withUnsafeMutablePointer(to: &png) { out in
    _ = cairo_surface_write_to_png_stream(surface, { closure, data, length in
      guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
      closure.assumingMemoryBound(to: [UInt8].self).pointee.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
      return CAIRO_STATUS_SUCCESS
    }, out)
  }
  // Chunks after the 8-byte signature: length (4, big-endian), type (4), data, CRC (4).
  var total = 0
  var i = 8
  while i + 8 <= png.count {
    let length = png[i..<i + 4].reduce(0) { $0 << 8 | Int($1) }
    if png[i + 4] == 0x49, png[i + 5] == 0x44, png[i + 6] == 0x41, png[i + 7] == 0x54 { total += length }  // "IDAT"
    i += 12 + length
  }
  return total
}

/// The length of `bytes` deflated by zlib at level 9 (the zlib stream, header and
/// checksum included).
func zlibLength(_ bytes: [UInt8]) -> Int {
  var size = compressBound(uLong(bytes.count))
  var out = [UInt8](repeating: 0, count: Int(size))
  let status = compress2(&out, &size, bytes, uLong(bytes.count), 9)
  precondition(status == Z_OK, "zlib compress2 failed with \(status)")
  return Int(size)
}
