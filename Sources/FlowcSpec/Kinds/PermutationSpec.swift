import FlowcDiagnostics

/// A fixed permutation of the dimensions: reversed, random from a seed, or explicit.
package struct PermutationSpec: LayerOptions {
  package static let kind = "permutation"
  package static let summary = "A fixed permutation: output i is input order[i]; no parameters, log|det| = 0."
  package static let example = "{kind: permutation, order: reverse}"
  /// `seed:` of `order: random` when the spec leaves it out.
  package static let defaultSeed = 0

  package static let keys: [SpecKey] = [
    SpecKey("order", .oneOf([.names(["reverse", "random"]), .list(.integer)]),
            "`reverse`, `random` (drawn once, at compile time, from `seed`) or an explicit list of indices.", required: true),
    SpecKey("seed", .integer, "The seed of `order: random`.", default: String(defaultSeed)),
  ]

  package enum Order: Sendable {
    case reverse
    /// Random but fixed at compile time from `seed`.
    case random(seed: Located<Int>?)
    /// `order: [2, 0, 1]`: output i is input order[i].
    case explicit([Located<Int>])
  }

  package var order: Located<Order>?

  package init(decoding r: MappingReader) {
    let order = r.require("order", ValueReader { $0.decodeOrder($1, $2) }, example: "order: reverse")
    let seed = r.optional("seed", .int)
    if let seedPair = r.pair("seed"), let order {
      if case .random = order.value {} else {
        r.decoder.emit(SpecDiagnostics.seedWithoutRandom(at: seedPair.key.range, order: order.range))
      }
    }
    if let order, case .random = order.value {
      self.order = Located(.random(seed: seed), at: order.range)
    } else {
      self.order = order
    }
  }
}

extension SpecDecoder {
  /// A permutation order without its seed.
  func decodeOrder(_ node: YAMLNode, _ subject: String) -> Located<PermutationSpec.Order>? {
    if node.sequence != nil {
      return intList(node, subject).map { Located(.explicit($0.value), at: $0.range) }
    }
    let expected = "'reverse', 'random' or a list of indices"
    guard let name = string(node, subject, expected: expected) else { return nil }
    switch name.value {
    case "reverse": return Located(.reverse, at: node.range)
    case "random": return Located(.random(seed: nil), at: node.range)
    default:
      emit(SpecDiagnostics.unknownValue(name.value, for: subject, at: node.range, candidates: ["reverse", "random"]))
      return nil
    }
  }
}
