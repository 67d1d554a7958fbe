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
  /// Reversed and random orders are drawn for the layer's width, bijections by
  /// construction, so only their size is checked (a 2^24-entry order costs nothing more).
  package func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic] {
    let d = node.inputDim
    guard order.count == d else { return [IRDiagnostics.permutationSize(order.count, width: d, note: widthNote(node, in: graph), at: range)] }
    guard origin == "explicit" else { return [] }
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
      let written = seed?.value ?? Self.defaultSeed
      // Each copy a `repeat` makes gets its own seed, derived from the written one and
      // the copy's index, so the copies are different permutations; the first copy
      // (and a permutation outside any repeat) uses the written seed itself.
      let copy = Self.copyIndex(l.repeats)
      let s = Self.derivedSeed(written, copy: copy)
      var rng = Xoshiro256(seed: UInt64(bitPattern: Int64(s)), stream: "permutation")
      let origin = copy == 0 ? "random(seed \(s))" : "random(seed \(s), copy \(copy + 1) of seed \(written))"
      return PermutationOp(order: rng.permutation(d), origin: origin, range: order.range)
    case .explicit(let entries):
      return PermutationOp(order: entries.map(\.value), origin: "explicit", range: order.range)
    }
  }

  /// The 0-based index of a copy among all copies its enclosing repeats make (outer
  /// repeat first): copy k of `repeat: 3` inside copy j of `repeat: 2` is 3j + k.
  static func copyIndex(_ repeats: [RepeatOrigin]) -> Int {
    repeats.reduce(0) { $0.multipliedSaturating(by: $1.count).addingSaturating($1.iteration - 1) }
  }

  /// The seed of copy `copy` of a random permutation written with `seed`: the seed
  /// itself for copy 0, else a non-negative 63-bit value drawn from the stream
  /// `permutation-copy-<copy>` of the written seed (writing it as the seed gives the
  /// same order).
  static func derivedSeed(_ seed: Int, copy: Int) -> Int {
    guard copy > 0 else { return seed }
    var rng = Xoshiro256(seed: UInt64(bitPattern: Int64(seed)), stream: "permutation-copy-\(copy)")
    return Int(truncatingIfNeeded: rng.next() >> 1)
  }
}
