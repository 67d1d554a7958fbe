import FlowcDiagnostics
import FlowcSpec

/// One bijective operation of the graph with concrete input and output sizes.
package struct GraphNode: Sendable {
  /// Position in the chain, from 0 on the data side.
  package var index: Int
  /// The spec's `name:`, or `<kind><index>` when the spec gives none.
  package var name: String
  package var op: Operation
  package var inputDim: Int
  package var outputDim: Int
  /// The layer's mapping in the spec.
  package var range: SourceRange
  /// Where a repeat produced this node: one entry per enclosing `repeat`, outermost
  /// first, as (iteration from 1, count, the repeat's range).
  package var repeats: [RepeatOrigin]

  package init(index: Int, name: String, op: Operation, inputDim: Int, outputDim: Int,
              range: SourceRange, repeats: [RepeatOrigin]) {
    self.index = index
    self.name = name
    self.op = op
    self.inputDim = inputDim
    self.outputDim = outputDim
    self.range = range
    self.repeats = repeats
  }

  /// Trainable parameters of this node.
  package var parameterCount: Int { op.parameterCount(dimension: inputDim) }
}

/// Which iteration of which `repeat` a node came from.
package struct RepeatOrigin: Sendable, Hashable {
  package var iteration: Int
  package var count: Int
  package var range: SourceRange
}

/// What a node computes, with every value concrete.
package enum Operation: Sendable {
  case affineCoupling(Coupling)
  case additiveCoupling(Coupling)
  /// NICE's scaling: y = x * exp(s), learnable s starting at `initialLogScale`.
  case diagonalScaling(initialLogScale: Located<Double>)
  case permutation(Permutation)
  case actnorm
  case batchNorm(momentum: Located<Double>, epsilon: Located<Double>)
  case invertibleLinear(InvertibleLinear)
  case elementwise(Located<ElementwiseFunction>)

  /// The spec's `kind:` name.
  package var kindName: String {
    switch self {
    case .affineCoupling: LayerSpec.Kind.affineCoupling.rawValue
    case .additiveCoupling: LayerSpec.Kind.additiveCoupling.rawValue
    case .diagonalScaling: LayerSpec.Kind.diagonalScaling.rawValue
    case .permutation: LayerSpec.Kind.permutation.rawValue
    case .actnorm: LayerSpec.Kind.actnorm.rawValue
    case .batchNorm: LayerSpec.Kind.batchNorm.rawValue
    case .invertibleLinear: LayerSpec.Kind.invertibleLinear.rawValue
    case .elementwise: LayerSpec.Kind.elementwise.rawValue
    }
  }

  /// The coupling, for the two coupling kinds.
  package var coupling: Coupling? {
    switch self {
    case .affineCoupling(let c), .additiveCoupling(let c): c
    default: nil
    }
  }

  /// Trainable parameters for a node acting on `dimension` features.
  package func parameterCount(dimension d: Int) -> Int {
    switch self {
    case .affineCoupling(let c), .additiveCoupling(let c): c.nets.parameterCount
    case .diagonalScaling: d
    case .permutation, .elementwise: 0
    case .actnorm, .batchNorm: 2 * d
    // LU: strictly lower L, strictly upper U and log|diag| make D*D numbers.
    case .invertibleLinear: d.multipliedSaturating(by: d)
    }
  }

  /// Whether the layer needs a batch of data before its first use (ActNorm's
  /// data-dependent initialisation); `check` lists these.
  package var needsInitBatch: Bool {
    if case .actnorm = self { return true }
    return false
  }
}

/// A coupling layer with a concrete mask and concrete networks.
package struct Coupling: Sendable {
  /// One entry per dimension: 1 = kept (conditioned on), 0 = transformed. Entries are
  /// as written (the validator rejects anything but 0 and 1 and a wrong length).
  package var mask: [Int]
  /// The `keep:` value in the spec.
  package var maskRange: SourceRange
  /// How the mask was given: "explicit", "even", "flip of %3", ...
  package var maskOrigin: String
  package var io: NetIO
  package var nets: CouplingNets
  /// exp or sigmoid (affine); ignored by additive couplings.
  package var scaleFunction: Located<ScaleFunction>
  package var scaleClamp: Located<Double>?

  package init(mask: [Int], maskRange: SourceRange, maskOrigin: String, io: NetIO, nets: CouplingNets,
              scaleFunction: Located<ScaleFunction>, scaleClamp: Located<Double>?) {
    self.mask = mask
    self.maskRange = maskRange
    self.maskOrigin = maskOrigin
    self.io = io
    self.nets = nets
    self.scaleFunction = scaleFunction
    self.scaleClamp = scaleClamp
  }

  /// Indices with mask 1, ascending.
  package var kept: [Int] { mask.indices.filter { mask[$0] == 1 } }
  /// Indices with mask 0, ascending.
  package var transformed: [Int] { mask.indices.filter { mask[$0] == 0 } }
}

/// The networks of a coupling.
package enum CouplingNets: Sendable {
  /// Separate scale and shift networks (the seed notebook); additive couplings have no scale.
  case separate(scale: Net?, shift: Net)
  /// One network whose output is [scale head, shift head].
  case shared(Net)

  package var all: [Net] {
    switch self {
    case .separate(let s, let t): (s.map { [$0] } ?? []) + [t]
    case .shared(let n): [n]
    }
  }

  package var parameterCount: Int { all.reduce(0) { $0.addingSaturating($1.parameterCount) } }
}

/// A conditioner MLP with concrete sizes: inputs → hidden... → outputs.
package struct Net: Sendable {
  /// `scale`, `shift` or `net`: the role in its coupling.
  package var role: String
  package var inputs: Int
  package var hidden: [Located<Int>]
  package var outputs: Int
  package var activation: Located<Activation>
  package var outputActivation: Located<Activation>
  package var initialization: NetInit
  /// The template it came from, if any.
  package var template: String?
  /// Where it is defined (the template or the inline mapping).
  package var range: SourceRange

  package init(role: String, inputs: Int, hidden: [Located<Int>], outputs: Int, activation: Located<Activation>,
              outputActivation: Located<Activation>, initialization: NetInit, template: String?, range: SourceRange) {
    self.role = role
    self.inputs = inputs
    self.hidden = hidden
    self.outputs = outputs
    self.activation = activation
    self.outputActivation = outputActivation
    self.initialization = initialization
    self.template = template
    self.range = range
  }

  /// Layer widths from input to output: [2, 256, 256, 2].
  package var widths: [Int] { [inputs] + hidden.map(\.value) + [outputs] }

  /// Weights and biases of every `nn.Linear`: sum of (in + 1) * out.
  package var parameterCount: Int {
    let w = widths
    var total = 0
    for i in 0..<(w.count - 1) {
      total = total.addingSaturating(max(0, w[i]).addingSaturating(1).multipliedSaturating(by: max(0, w[i + 1])))
    }
    return total
  }

  /// Multiply-adds of one forward pass, times 2 (FLOPs).
  package var flopsPerSample: Int {
    let w = widths
    var total = 0
    for i in 0..<(w.count - 1) {
      total = total.addingSaturating(2.multipliedSaturating(by: max(0, w[i]).multipliedSaturating(by: max(0, w[i + 1]))))
    }
    return total
  }

  /// `2-256-256-2`.
  package var shapeDescription: String { widths.map(String.init).joined(separator: "-") }
}

/// A fixed permutation: output i is input `order[i]`.
package struct Permutation: Sendable {
  package var order: [Int]
  /// "reverse", "random(seed 3)" or "explicit".
  package var origin: String
  package var range: SourceRange

  package init(order: [Int], origin: String, range: SourceRange) {
    self.order = order
    self.origin = origin
    self.range = range
  }
}

/// An invertible linear layer.
package struct InvertibleLinear: Sendable {
  package var parametrization: Located<InvertibleLinearSpec.Parametrization>
  /// Output features; the validator requires it to equal the input size.
  package var features: Located<Int>
  package var initialization: InvertibleLinearSpec.Init
  package var seed: Int

  package init(parametrization: Located<InvertibleLinearSpec.Parametrization>, features: Located<Int>,
              initialization: InvertibleLinearSpec.Init, seed: Int) {
    self.parametrization = parametrization
    self.features = features
    self.initialization = initialization
    self.seed = seed
  }
}
