import FlowcDiagnostics
import FlowcSpec

/// Space to depth, [C, H, W] → [4C, H/2, W/2], as a fixed permutation of the CHW vector.
package struct SqueezeOp: LayerOperation {
  /// The image it reads (for the permutation and the rules).
  package var input: TensorShape
  /// The layer's mapping, where its diagnostics point.
  package var range: SourceRange

  package var kind: String { SqueezeSpec.kind }
  package func flopsPerSample(input: TensorShape) -> Int { 0 }

  /// [4C, H/2, W/2]; an input the squeeze cannot take passes on unchanged, so its error
  /// is not followed by others about the sizes after it.
  package func outputShape(input: TensorShape) -> TensorShape {
    guard let (c, h, w) = input.image, h % 2 == 0, w % 2 == 0 else { return input }
    return .image(c.multipliedSaturating(by: 4), h / 2, w / 2)
  }

  package var positions: PositionMap {
    guard let (c, h, w) = input.image, h % 2 == 0, w % 2 == 0 else { return .keeps }
    return .permutes(squeezeOrder(channels: c, height: h, width: w))
  }

  /// `needs-image`, `squeeze-odd-size`.
  package func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic] {
    guard let (_, h, w) = input.image else {
      return [IRDiagnostics.needsImage(kind, input: input, at: range)]
    }
    guard h % 2 == 0, w % 2 == 0 else { return [IRDiagnostics.squeezeOddSize(input, at: range)] }
    return []
  }

  package var irColumns: (String, String) { ("2×2 space to depth", "") }
  package var jsonFields: [(String, JSONValue)] { [("factor", .int(2))] }
  package func comparedFields(_ node: GraphNode) -> [NodeField] { [] }
}

/// Glow's squeeze order on the CHW vector: output channel c·4 + dy·2 + dx at pixel (i, j)
/// is input channel c at pixel (2i + dy, 2j + dx). Entry o of the result is the input
/// index that output index o reads.
package func squeezeOrder(channels c: Int, height h: Int, width w: Int) -> [Int] {
  let (h2, w2) = (h / 2, w / 2)
  var order = [Int](repeating: 0, count: c * h * w)
  for ch in 0..<c {
    for dy in 0..<2 {
      for dx in 0..<2 {
        let out = ch * 4 + dy * 2 + dx
        for i in 0..<h2 {
          for j in 0..<w2 { order[(out * h2 + i) * w2 + j] = (ch * h + 2 * i + dy) * w + 2 * j + dx }
        }
      }
    }
  }
  return order
}

extension SqueezeSpec: LowerableLayer {
  func lower(_ l: inout Lowering, _ layer: LayerSpec) -> (any LayerOperation)? {
    SqueezeOp(input: l.shape, range: layer.kind.range)
  }
}
