/// The indices of Glow's squeeze as a `Permutation` of a flattened [C, H, W] image (CHW
/// order): [C, H, W] → [4C, H/2, W/2] with
///
///     y[c·4 + dy·2 + dx, i, j] = x[c, 2i + dy, 2j + dx],   dy, dx ∈ {0, 1}
///
/// (Glow's `squeeze2d`: each 2 × 2 block of a channel becomes four channels, top-left,
/// top-right, bottom-left, bottom-right). Output index i′ reads input index
/// `indices[i′]`, the `Permutation` convention, so `PermutationDescription(indices:)` of
/// the result is the squeeze, its inverse the unsqueeze. H and W must be even.
public func squeezeIndices(channels c: Int, height h: Int, width w: Int) -> [Int] {
  precondition(c > 0 && h > 0 && w > 0 && h % 2 == 0 && w % 2 == 0, "squeeze needs an image of even height and width, got [\(c), \(h), \(w)]")
  let h2 = h / 2, w2 = w / 2
  var indices = [Int](repeating: 0, count: c * h * w)
  for ch in 0..<c {
    for dy in 0..<2 {
      for dx in 0..<2 {
        let out = ch * 4 + dy * 2 + dx
        for i in 0..<h2 {
          for j in 0..<w2 { indices[(out * h2 + i) * w2 + j] = (ch * h + 2 * i + dy) * w + 2 * j + dx }
        }
      }
    }
  }
  return indices
}
