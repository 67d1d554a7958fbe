/// Space to depth: [C, H, W] → [4C, H/2, W/2], the multi-scale step of Real NVP and Glow.
package struct SqueezeSpec: LayerOptions {
  package static let kind = "squeeze"
  package static let summary = "Space to depth: each 2×2 block of pixels becomes 4 channels, [C, H, W] → [4C, H/2, W/2]; a fixed permutation, log|det| = 0."
  package static let example = "{kind: squeeze}"
  package static let exampleShape: [Int]? = [2, 4, 4]
  package static let keys: [SpecKey] = []

  package init(decoding r: MappingReader) {}
}
