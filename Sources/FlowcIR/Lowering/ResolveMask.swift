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
      case .firstHalf: return ((0..<d).map { $0 < d / 2 ? 1 : 0 }, g.rawValue)
      case .secondHalf: return ((0..<d).map { $0 >= d / 2 ? 1 : 0 }, g.rawValue)
      case .even: return ((0..<d).map { $0 % 2 == 0 ? 1 : 0 }, g.rawValue)
      case .odd: return ((0..<d).map { $0 % 2 == 1 ? 1 : 0 }, g.rawValue)
      case .checkerboard, .checkerboardOdd:
        // (row + column) parity over the declared image: on a 28x28 image "even index"
        // would give vertical stripes, not a checkerboard.
        let shape = spec.shape?.value.map(\.value)
        guard let shape, shape.count == 2, shape[0] > 0, shape[1] > 0, shape[0].multipliedSaturating(by: shape[1]) == d else {
          if shape == nil || shape!.count != 2 {
            diagnostics.emit(IRDiagnostics.checkerboardShape(at: keep.range, shape: shape))
          }  // a shape whose product is not dim is the validator's shape-dimension rule
          return nil
        }
        let parity = g == .checkerboard ? 0 : 1
        return ((0..<d).map { i in (i / shape[1] + i % shape[1]) % 2 == parity ? 1 : 0 }, g.rawValue)
      case .flip:
        guard let previous = previousMask else {
          diagnostics.emit(IRDiagnostics.flipWithoutPrevious(at: keep.range))
          return nil
        }
        // Entries other than 0/1 stay as they are; the validator reports the original.
        return (previous.mask.map { $0 == 0 ? 1 : ($0 == 1 ? 0 : $0) }, "flip of %\(previous.node)")
      }
    }
  }
}
