import FlowcDiagnostics
import FlowcSpec

/// Lowers a typed spec to the graph IR: expands `repeat` blocks, resolves templates and
/// mask generators, fills in defaults, and computes each node's sizes.
///
/// Lowering reports what makes a graph impossible to build (an unknown template, a
/// `flip` with nothing before it, a flow too large to expand) and leaves every other
/// rule to the validator, which sees the whole graph. It returns nil only when a graph
/// cannot be formed at all; otherwise it returns one with the problem parts as written
/// so that validation can report everything else in the same run.
package func lowerToGraph(_ spec: FlowSpec, diagnostics: DiagnosticEngine) -> FlowGraph? {
  var lowering = Lowering(spec: spec, diagnostics: diagnostics)
  return lowering.run()
}

/// The state of one lowering pass, which each kind's `lower` reads and extends: the
/// spec, the dimension, the nodes so far, the templates, the last coupling's mask.
struct Lowering {
  let spec: FlowSpec
  let diagnostics: DiagnosticEngine
  /// The tensor the next node reads: the data's shape at first, then each node's output.
  var shape = TensorShape.vector(0)
  /// The number of features the next node acts on (clamped at 0: a non-positive
  /// dimension is the validator's `value-range` error, and nothing may index with it).
  var dimension: Int { max(0, shape.count) }
  var nodes: [GraphNode] = []
  /// The last coupling's resolved mask, for `flip`.
  var previousMask: (mask: [Int], node: Int)?
  /// Whether the last coupling's mask could not be formed (then a `flip` after it says
  /// nothing more).
  var previousMaskUnresolved = false
  var templates: [String: NamedNet] = [:]
  /// Repeat counts already reported (a nested repeat is visited once per outer iteration).
  var reportedRepeats = Set<SourceRange>()
  /// Places a lowering diagnostic was already reported at: a layer in a repeat is lowered
  /// once per copy, and says so once.
  var reportedPlaces = Set<SourceRange>()
  /// The repeats around the layer being lowered (outermost first), for kinds whose
  /// copies differ (a random permutation derives a seed per copy).
  var repeats: [RepeatOrigin] = []
  /// The encoded context width every conditioner network reads (0: unconditional).
  var contextWidth = 0

  init(spec: FlowSpec, diagnostics: DiagnosticEngine) {
    self.spec = spec
    self.diagnostics = diagnostics
  }

  mutating func run() -> FlowGraph? {
    if let v = spec.version, v.value != 1 {
      diagnostics.emit(IRDiagnostics.unsupportedVersion(v.value, at: v.range))
      return nil
    }
    guard let dim = resolveDimension(), let flow = spec.flow, let priorSpec = spec.prior else { return nil }
    let input = dataShape(dim.value)
    shape = input
    for t in spec.templates { templates[t.name.value] = t }

    let total = countLayers(flow.value)
    guard total <= SpecDefaults.maxLayers else {
      diagnostics.emit(IRDiagnostics.flowTooLarge(total, at: flow.range))
      return nil
    }
    // Settings first: the context decides how wide every conditioner's context weight is.
    let settings = lowerSettings(spec, diagnostics: diagnostics)
    contextWidth = min(settings.data.context?.width ?? 0, SpecDefaults.maxDimension)
    nodes.reserveCapacity(total)
    lower(flow.value, repeats: [])

    let name = spec.name?.value ?? defaultName(spec.file)
    return FlowGraph(file: spec.file, name: name, dimension: dim, shape: spec.shape, dataShape: input,
                     dtype: spec.dtype?.value ?? SpecDefaults.dtype, nodes: nodes,
                     prior: PriorNode(kind: priorSpec.kind, dimension: max(0, dim.value),
                                      contextWidth: priorSpec.kind.value == .conditionalNormal ? contextWidth : 0),
                     settings: settings)
  }

  /// `dim`, or the product of `shape` when `dim` is absent. A mismatch between the two
  /// is the validator's `shape-dimension` rule; here only the size bound matters.
  private func resolveDimension() -> Located<Int>? {
    var dim: Located<Int>? = spec.dimension
    if dim == nil, let shape = spec.shape {
      let product = shape.value.reduce(1) { $0.multipliedSaturating(by: max(0, $1.value)) }
      dim = Located(product, at: shape.range)
    }
    guard let dim else { return nil }
    if dim.value > SpecDefaults.maxDimension {
      diagnostics.emit(IRDiagnostics.dimensionTooLarge(dim.value, at: dim.range))
      return nil
    }
    // A non-positive dimension is reported by the validator's value-range rule; the
    // lowering below clamps it to 0 so that nothing indexes out of range.
    return dim
  }

  /// Layers after expansion, saturating (never trapping) for absurd repeat counts.
  private func countLayers(_ items: [FlowItem]) -> Int {
    items.reduce(0) { sum, item in
      switch item {
      case .layer: return sum.addingSaturating(1)
      case .repeat(let r): return sum.addingSaturating(max(0, r.count.value).multipliedSaturating(by: countLayers(r.layers)))
      }
    }
  }

  private mutating func lower(_ items: [FlowItem], repeats: [RepeatOrigin]) {
    for item in items {
      switch item {
      case .layer(let layer):
        lowerLayer(layer, repeats: repeats)
      case .repeat(let r):
        guard r.count.value >= 1 else {
          if reportedRepeats.insert(r.count.range).inserted {
            diagnostics.emit(IRDiagnostics.valueRange("the repeat count", r.count.value, "at least 1", at: r.count.range))
          }
          continue
        }
        for i in 1...r.count.value {
          lower(r.layers, repeats: repeats + [RepeatOrigin(iteration: i, count: r.count.value, range: r.range)])
        }
      }
    }
  }

  private mutating func lowerLayer(_ layer: LayerSpec, repeats: [RepeatOrigin]) {
    let index = nodes.count
    guard let kind = layer.options as? any LowerableLayer else {
      preconditionFailure("layer kind '\(layer.kind.value)' has no lowering: add Sources/FlowcIR/Kinds/ for it")
    }
    // nil: the kind reported why the node cannot be formed (or the decoder did).
    self.repeats = repeats
    guard let op = kind.lower(&self, layer) else { return }
    let name = layer.name?.value ?? "\(layer.kind.value)\(index)"
    let output = op.outputShape(input: shape)
    nodes.append(GraphNode(index: index, name: name, op: op, inputShape: shape, outputShape: output,
                           range: layer.range, repeats: repeats))
    shape = output
  }

  /// The tensor the first node reads: an image `[C, H, W]` when the spec declares a
  /// three-axis `shape`, otherwise a vector of `dim` features (a two-axis `shape` such as
  /// [28, 28] only gives the checkerboard mask its rows and columns).
  private func dataShape(_ dim: Int) -> TensorShape {
    if let s = spec.shape?.value.map(\.value), s.count == 3, s.allSatisfy({ $0 > 0 }),
       s.reduce(1, { $0.multipliedSaturating(by: $1) }) == dim {
      return .image(s[0], s[1], s[2])
    }
    return .vector(max(0, dim))
  }

  private func defaultName(_ file: String) -> String {
    let base = file.split(separator: "/").last.map(String.init) ?? file
    if let dot = base.lastIndex(of: "."), dot != base.startIndex { return String(base[..<dot]) }
    return base
  }
}
