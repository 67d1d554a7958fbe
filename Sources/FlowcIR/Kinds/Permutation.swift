import FlowcDiagnostics
import FlowcSpec
import FlowRandom

/// A fixed permutation: output i is input `order[i]`.
package struct PermutationOp: LayerOperation {
  package var order: [Int]
  /// "reverse", "random(seed 3)" or "explicit".
  package var origin: String
  package var range: SourceRange

  package var kind: String { PermutationSpec.kind }
  package func flopsPerSample(input: TensorShape) -> Int { 0 }
  package var positions: PositionMap { .permutes(order) }

  /// `permutation-size`, `permutation-invalid`: the order is a bijection of 0..D-1.
  package func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic] {
    let d = node.inputDim
    guard order.count == d else { return [IRDiagnostics.permutationSize(order.count, width: d, note: widthNote(node, in: graph), at: range)] }
    if let bad = order.first(where: { $0 < 0 || $0 >= d }) {
      return [IRDiagnostics.permutationOutOfRange(bad, dimension: d, at: range)]
    }
    var count = [Int](repeating: 0, count: d)
    for i in order { count[i] += 1 }
    if let dup = count.indices.first(where: { count[$0] > 1 }) {
      return [IRDiagnostics.permutationDuplicate(dup, missing: count.indices.first { count[$0] == 0 }!, dimension: d, at: range)]
    }
    return []
  }

  package var irColumns: (String, String) { ("\(origin): \(IndexListFormat.format(order))", "") }
  package var jsonFields: [(String, JSONValue)] { [("order", .array(order.map { .int($0) })), ("origin", .string(origin))] }
  package func comparedFields(_ node: GraphNode) -> [NodeField] {
    [NodeField("order", IndexListFormat.format(order, width: nil), at: range)]
  }
}

extension PermutationSpec: LowerableLayer {
  /// Explicit orders are kept as written (the validator checks they are a bijection);
  /// random ones are drawn here, once, from their seed, so the IR and the checkpoint
  /// record the exact order.
  func lower(_ l: inout Lowering, _ layer: LayerSpec) -> (any LayerOperation)? {
    let d = max(0, l.dimension)
    guard let order else { return nil }  // the decoder reported the missing key
    switch order.value {
    case .reverse:
      return PermutationOp(order: Array((0..<d).reversed()), origin: "reverse", range: order.range)
    case .random(let seed):
      let s = seed?.value ?? Self.defaultSeed
      var rng = Xoshiro256(seed: UInt64(bitPattern: Int64(s)), stream: "permutation")
      return PermutationOp(order: rng.permutation(d), origin: "random(seed \(s))", range: order.range)
    case .explicit(let entries):
      return PermutationOp(order: entries.map(\.value), origin: "explicit", range: order.range)
    }
  }
}
