import FlowcDiagnostics
import FlowcSpec

/// The graph IR: the flow as a chain of bijective operations from data to latent,
/// ending in the prior (the sink). Lowering has expanded repeats and templates,
/// resolved mask generators and filled in defaults, so every node holds concrete
/// values; each value keeps the spec range it came from for diagnostics.
///
/// The flows of spec language 1 are chains (edge i carries the D-vector from node i
/// to node i+1, the last edge goes to the prior); `edges` spells that out so that
/// printers and later multi-input nodes need no special case.
package struct FlowGraph: Sendable {
  package var file: String
  /// `name:`, or the file name without extension.
  package var name: String
  /// The number of features every edge carries.
  package var dimension: Located<Int>
  /// The declared image shape (row-major), if any.
  package var shape: Located<[Located<Int>]>?
  /// The tensor the first node reads: `[C, H, W]` for a three-axis `shape`, else `[D]`.
  package var dataShape: TensorShape
  package var dtype: DType
  /// The operations, data side first.
  package var nodes: [GraphNode]
  package var prior: PriorNode
  /// data, train, eval and limits with defaults filled in.
  package var settings: RunSettings

  package init(file: String, name: String, dimension: Located<Int>, shape: Located<[Located<Int>]>?, dataShape: TensorShape,
              dtype: DType, nodes: [GraphNode], prior: PriorNode, settings: RunSettings) {
    self.dataShape = dataShape
    self.file = file
    self.name = name
    self.dimension = dimension
    self.shape = shape
    self.dtype = dtype
    self.nodes = nodes
    self.prior = prior
    self.settings = settings
  }

  /// An edge of the graph: a tensor from one node to the next, or a split's factored-out
  /// channels to the prior.
  package struct Edge: Hashable, Sendable {
    /// Index of the producing node; -1 is the data input.
    package var from: Int
    /// Index of the consuming node; `nodes.count` is the prior.
    package var to: Int
    package var shape: TensorShape
    /// Whether this is a split's factored-out part (it goes straight to the prior).
    package var factored: Bool

    package var features: Int { shape.count }
  }

  /// data → node 0 → ... → node n-1 → prior, and each split → prior.
  package var edges: [Edge] {
    var out = (0...nodes.count).map { i in
      Edge(from: i - 1, to: i, shape: i == 0 ? dataShape : nodes[i - 1].outputShape, factored: false)
    }
    for node in nodes { if let f = node.factoredShape { out.append(Edge(from: node.index, to: nodes.count, shape: f, factored: true)) } }
    return out
  }

  /// What the prior receives, in the order of the latent vector's tail: the last node's
  /// output first (it fills the leading positions), then each split's factored part, the
  /// last split first. Without splits this is the whole output.
  package var priorParts: [(from: Int?, shape: TensorShape)] {
    var parts: [(from: Int?, shape: TensorShape)] = [(nil, nodes.last?.outputShape ?? dataShape)]
    for node in nodes.reversed() { if let f = node.factoredShape { parts.append((node.index, f)) } }
    return parts
  }

  /// Trainable parameters of the nodes and the prior.
  /// The context embedding's table counts once, whatever reads it.
  package var parameterCount: Int {
    nodes.reduce(prior.parameterCount.addingSaturating(settings.data.context?.parameterCount ?? 0)) { $0.addingSaturating($1.parameterCount) }
  }
}

/// The sink: the base distribution.
package struct PriorNode: Sendable {
  package var kind: Located<PriorSpec.Kind>
  package var dimension: Int
  /// The context values a `conditional_normal` reads (0 for the other priors).
  package var contextWidth: Int

  package init(kind: Located<PriorSpec.Kind>, dimension: Int, contextWidth: Int = 0) {
    self.kind = kind
    self.dimension = dimension
    self.contextWidth = contextWidth
  }

  /// diagonal_normal learns a mean and a log-std per dimension; conditional_normal a
  /// linear map from the context to each (weight [D, C] and bias [D], twice).
  package var parameterCount: Int {
    switch kind.value {
    case .diagonalNormal: return 2 * dimension
    case .conditionalNormal: return 2.multipliedSaturating(by: dimension).multipliedSaturating(by: contextWidth.addingSaturating(1))
    case .standardNormal, .logistic: return 0
    }
  }
}

extension Int {
  /// Addition that saturates at Int.max instead of trapping: parameter counts of absurd
  /// specs (hidden: [1e15]) must become a budget error, not a crash.
  package func addingSaturating(_ other: Int) -> Int {
    let (r, o) = addingReportingOverflow(other)
    return o ? .max : r
  }

  /// Multiplication that saturates at Int.max for non-negative operands.
  package func multipliedSaturating(by other: Int) -> Int {
    let (r, o) = multipliedReportingOverflow(by: other)
    return o || r < 0 ? .max : r
  }
}
