@testable import FlowcOOD
import Testing

/// The compressors' sizes order images by complexity, as the complexity score needs.
@Suite struct CompressionTests {
  let width = 28, height = 28

  func image(_ f: (Int, Int) -> Int) -> [UInt8] {
    (0..<28).flatMap { r in (0..<28).map { c in UInt8(truncatingIfNeeded: f(r, c)) } }
  }

  @Test(arguments: Compressor.allCases) func simplerImagesCompressSmaller(c: Compressor) {
    var state: UInt64 = 7
    let flat = image { _, _ in 0 }
    let stripes = image { r, _ in r % 2 == 0 ? 255 : 0 }
    let noise = image { _, _ in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Int(state >> 56)
    }
    let sizes = [flat, stripes, noise].map { c.bits($0, width: width, height: height) }
    #expect(sizes[0] > 0 && sizes[0] < sizes[1] && sizes[1] < sizes[2], "\(c): \(sizes)")
    // Uniform noise does not compress: close to 8 bits a pixel, or more.
    #expect(Double(sizes[2]) / Double(width * height) > 7.5)
    // The same image always gives the same size.
    #expect(c.bits(noise, width: width, height: height) == sizes[2])
  }

  /// PNG's prediction filters make a smooth gradient cheap; deflate alone does not.
  @Test func pngPredictsGradients() {
    let gradient = image { r, c in 3 * r + 5 * c }
    let png = Compressor.png.bits(gradient, width: width, height: height)
    let zlib = Compressor.zlib.bits(gradient, width: width, height: height)
    #expect(png < zlib, "png \(png) bits, zlib \(zlib) bits")
  }

  /// Only the IDAT data count: a 1×1 image's PNG is about 70 bytes, its IDAT data a dozen.
  @Test func containerChunksAreLeftOut() {
    let bytes = pngImageDataLength([128], width: 1, height: 1)
    #expect(bytes > 0 && bytes < 16)
  }
}
