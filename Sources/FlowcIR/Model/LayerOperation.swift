import FlowcDiagnostics
import FlowcSpec

/// What a node of one layer kind computes, with every value concrete; each kind's file
/// in `Kinds/` defines one. Every consumer of the graph (the validation rules, the
/// estimate, the IR text, JSON and dot printers, `flowc diff`, the build stage and the
/// exporters) reads a node through this protocol rather than switching on its kind, so
/// a new kind is described once, in its own file.
///
/// Most requirements have defaults that fit a parameter-free layer acting position by
/// position (an elementwise function); a kind states only what differs.
package protocol LayerOperation: Sendable {
  /// The spec's `kind:` name.
  var kind: String { get }

  // MARK: - Sizes and cost

  /// The tensor passed on for an `input` tensor (most layers keep the shape; a squeeze
  /// trades space for channels; a split passes on part of the channels).
  func outputShape(input: TensorShape) -> TensorShape
  /// What the layer sends to the prior for an `input` tensor (a split's factored-out
  /// channels); nil for every other layer.
  func factoredShape(input: TensorShape) -> TensorShape?
  /// Trainable scalars, for a node reading an `input` tensor.
  func parameterCount(input: TensorShape) -> Int
  /// FLOPs of one forward pass for one sample (2 per multiply-add).
  func flopsPerSample(input: TensorShape) -> Int
  /// FLOPs of one inverse (sampling) pass for one sample; the forward's for every layer
  /// but the autoregressive ones, whose two directions differ by a factor D.
  func samplingFlopsPerSample(input: TensorShape) -> Int
  /// FLOPs of one training step (recording forward and backward) for one sample: three
  /// forward passes' worth for every layer whose density direction is one pass.
  func trainingFlopsPerSample(input: TensorShape) -> Int
  /// Sequential network passes each direction takes (1 and 1 but for `maf`, `iaf`).
  func passes(input: TensorShape) -> LayerPasses
  /// Values per sample that a training step keeps for the backward pass beyond the
  /// layer's input and output (e.g. the networks' pre- and post-activations).
  func activationValuesPerSample(input: TensorShape) -> Int

  // MARK: - Facts for the graph-wide rules

  /// The coupling mask, for the mask, coverage and same-mask rules; nil for layers
  /// without one.
  var mask: LayerMask? { get }
  /// How the layer moves positions, for the coverage and same-mask rules.
  var positions: PositionMap { get }
  /// The conditioner networks, for the network rules and the estimate.
  var nets: [Net] { get }
  /// Whether the layer initialises itself from the first training batch (ActNorm).
  var needsInitBatch: Bool { get }
  /// The interval each output position's values lie in, given the intervals of the
  /// input's (nil where unknown), for the rule that follows the data's known range
  /// through the flow (`spline-bound`). The default follows `positions`: a permutation
  /// moves the intervals, a coupling forgets those it transforms, every other layer all.
  func outputBounds(_ input: [ClosedRange<Double>?]) -> [ClosedRange<Double>?]
  /// The interval the values a layer transforms should stay within, for the same rule
  /// (a spline's [−B, B]); nil for most layers.
  var inputBound: InputBound? { get }

  /// The kind's own rules for `node`. Rules see every copy a `repeat` made; the caller
  /// keeps the first diagnostic of each id at each place.
  func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic]

  // MARK: - Printers

  /// The kind's part of an IR line in two columns: what it does to the dimensions (a
  /// coupling's mask) and the rest; the second may be empty.
  var irColumns: (String, String) { get }
  /// The kind's fields of the IR JSON, after `index`, `name`, `kind`, `input`, `output`.
  var jsonFields: [(String, JSONValue)] { get }
  /// Every field that changes what the node computes, as `flowc diff` compares them
  /// (provenance such as mask origins and template names is left out).
  func comparedFields(_ node: GraphNode) -> [NodeField]
}

extension LayerOperation {
  package func outputShape(input: TensorShape) -> TensorShape { input }
  package func factoredShape(input: TensorShape) -> TensorShape? { nil }
  package func parameterCount(input: TensorShape) -> Int { 0 }
  package func flopsPerSample(input: TensorShape) -> Int { input.count.multipliedSaturating(by: 2) }
  package func samplingFlopsPerSample(input: TensorShape) -> Int { flopsPerSample(input: input) }
  package func trainingFlopsPerSample(input: TensorShape) -> Int { flopsPerSample(input: input).multipliedSaturating(by: 3) }
  package func passes(input: TensorShape) -> LayerPasses { .single }
  package func activationValuesPerSample(input: TensorShape) -> Int {
    nets.reduce(0) { $0.addingSaturating($1.activationValues) }
  }
  package var mask: LayerMask? { nil }
  package var positions: PositionMap { mask.map { .transforms($0.transformed) } ?? .keeps }
  package var nets: [Net] { [] }
  /// A layer whose networks normalise with ActNorm initialises those from its first batch.
  package var needsInitBatch: Bool { nets.contains { $0.conv?.norm.value == .actnorm } }
  package var inputBound: InputBound? { nil }
  package func outputBounds(_ input: [ClosedRange<Double>?]) -> [ClosedRange<Double>?] {
    switch positions {
    case .keeps, .mixes: return input.map { _ in nil }
    case .permutes(let order):
      guard order.count == input.count, order.allSatisfy(input.indices.contains) else { return input.map { _ in nil } }
      return order.map { input[$0] }
    case .transforms(let positions):
      var out = input
      for i in positions where out.indices.contains(i) { out[i] = nil }
      return out
    }
  }
  package func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic] { [] }
}

/// How a layer moves the positions of its input, for the rules that follow data
/// dimensions through the flow (`untransformed-dimension`, `same-mask`).
package enum PositionMap: Sendable {
  /// Output i is a function of input i alone (elementwise, normalisation, scaling).
  case keeps
  /// Output i is input `order[i]` (a permutation).
  case permutes([Int])
  /// Every output depends on every input (a dense invertible linear map).
  case mixes
  /// The listed positions are transformed as functions of the others; the rest are kept.
  case transforms([Int])
}

/// The interval a layer's transformed values should stay within (a spline's [−B, B]),
/// and what happens outside it, for the `spline-bound` rule.
package struct InputBound: Sendable {
  /// [−B, B].
  package var interval: ClosedRange<Double>
  /// The positions the layer transforms.
  package var positions: [Int]
  /// Where the bound is set (the `bound:` key, or the layer when it is the default).
  package var range: SourceRange
  /// What the layer does to values outside the interval: "the spline is the identity there".
  package var outside: String
  /// What to do about it, for the diagnostic's help line.
  package var suggestion: String

  package init(interval: ClosedRange<Double>, positions: [Int], range: SourceRange, outside: String, suggestion: String) {
    self.interval = interval
    self.positions = positions
    self.range = range
    self.outside = outside
    self.suggestion = suggestion
  }
}

/// A coupling's mask with where it came from.
package struct LayerMask: Sendable {
  /// One entry per dimension: 1 = kept (conditioned on), 0 = transformed. Entries are
  /// as written (the validator rejects anything but 0 and 1 and a wrong length).
  package var values: [Int]
  /// The `keep:` value in the spec.
  package var range: SourceRange
  /// How the mask was given: "explicit", "even", "flip of %3", ...
  package var origin: String

  package init(values: [Int], range: SourceRange, origin: String) {
    self.values = values
    self.range = range
    self.origin = origin
  }

  /// Indices with mask 1, ascending.
  package var kept: [Int] { values.indices.filter { values[$0] == 1 } }
  /// Indices with mask 0, ascending.
  package var transformed: [Int] { values.indices.filter { values[$0] == 0 } }
  /// `keeps 1,3 · transforms 0,2`, the same words in the IR and in `flowc diff`.
  package func text(width: Int? = 48) -> String {
    "keeps \(IndexListFormat.format(kept, width: width)) · transforms \(IndexListFormat.format(transformed, width: width))"
  }
}

/// One field of a node as `flowc diff` compares it: a canonical text (numbers printed
/// from their parsed value, so `1e-4` and `0.0001` give the same text) and where it
/// came from.
package struct NodeField: Sendable {
  package var name: String
  package var value: String
  /// Where the value is written; nil when nowhere (a computed value).
  package var range: SourceRange?
  /// Whether the value is a default (the range is then the layer's).
  package var isDefault: Bool

  package init(_ name: String, _ value: String, at range: SourceRange?, isDefault: Bool = false) {
    self.name = name
    self.value = value
    self.range = range
    self.isDefault = isDefault
  }
}
