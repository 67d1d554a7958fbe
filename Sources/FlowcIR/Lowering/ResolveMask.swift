import FlowcDiagnostics
import FlowcSpec

extension Lowering {
  /// Turns `keep:` into a concrete 0/1 vector (1 = kept) and a description of where it came from.
  func resolveMask(_ keep: Located<MaskSpec>) -> ([Int], String)? {
    let d = max(0, dimension)
    switch keep.value {
    case .explicit(let entries):
      return (entries.map(\.value), "explicit")
    case .generator(let g):
      switch g {
      case .firstHalf, .secondHalf:
        // On an image the halves are channel halves (CHW order: channels [0, C/2) are the
        // first C/2·H·W entries), so a channel mask splits whole channels even for odd C.
        let cut = shape.image.map { ($0.channels / 2).multipliedSaturating(by: shape.pixels) } ?? d / 2
        return ((0..<d).map { ($0 < cut) == (g == .firstHalf) ? 1 : 0 }, g.rawValue)
      case .even: return ((0..<d).map { $0 % 2 == 0 ? 1 : 0 }, g.rawValue)
      case .odd: return ((0..<d).map { $0 % 2 == 1 ? 1 : 0 }, g.rawValue)
      case .checkerboard, .checkerboardOdd:
        // (row + column) parity over the image: on a 28x28 image "even index" would give
        // vertical stripes, not a checkerboard. An image tensor [C, H, W] gives every
        // channel the same pattern; a flat flow uses the declared two-axis `shape`.
        let parity = g == .checkerboard ? 0 : 1
        if let image = shape.image {
          let (h, w) = (image.height, image.width)
          return ((0..<d).map { i in ((i % (h * w)) / w + i % w) % 2 == parity ? 1 : 0 }, g.rawValue)
        }
        let declared = spec.shape?.value.map(\.value)
        guard let declared, declared.count == 2, declared[0] > 0, declared[1] > 0,
              declared[0].multipliedSaturating(by: declared[1]) == d else {
          if declared == nil || declared!.count != 2 {
            diagnostics.emit(IRDiagnostics.checkerboardShape(at: keep.range, shape: declared))
          }  // a shape whose product is not the width is the validator's shape-dimension rule
          return nil
        }
        return ((0..<d).map { i in (i / declared[1] + i % declared[1]) % 2 == parity ? 1 : 0 }, g.rawValue)
      case .flip:
        guard let previous = previousMask else {
          // A previous coupling whose mask could not be formed has its own diagnostic
          // (or the validator's); a second one here would only hide the real problem.
          if !previousMaskUnresolved { diagnostics.emit(IRDiagnostics.flipWithoutPrevious(at: keep.range)) }
          return nil
        }
        // Entries other than 0/1 stay as they are; the validator reports the original.
        return (previous.mask.map { $0 == 0 ? 1 : ($0 == 1 ? 0 : $0) }, "flip of %\(previous.node)")
      }
    }
  }
}
