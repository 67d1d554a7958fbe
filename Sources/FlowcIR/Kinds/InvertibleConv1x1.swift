import FlowcDiagnostics
import FlowcSpec

/// Glow's invertible 1×1 convolution: a learned C×C matrix W applied at every pixel.
package struct InvertibleConv1x1Op: LayerOperation {
  package var input: TensorShape
  package var parametrization: Located<InvertibleConv1x1Spec.Parametrization>
  package var initialization: InvertibleLinearSpec.Init
  /// The seed the rotation is drawn from: the spec's seed plus the node index, so the
  /// copies a `repeat` makes start from different rotations.
  package var seed: Int
  package var range: SourceRange

  package var kind: String { InvertibleConv1x1Spec.kind }
  private var channels: Int { input.image?.channels ?? 0 }
  // As stored: LU keeps full C×C `lower` and `upper` tensors (only their strict
  // triangles train) and C log-scales; plain keeps W.
  package func parameterCount(input: TensorShape) -> Int {
    let square = channels.multipliedSaturating(by: channels)
    return parametrization.value == .lu ? square.multipliedSaturating(by: 2).addingSaturating(channels) : square
  }
  package func flopsPerSample(input: TensorShape) -> Int {
    2.multipliedSaturating(by: channels.multipliedSaturating(by: channels)).multipliedSaturating(by: input.pixels)
  }
  // Channels mix at every pixel (the coverage rule treats that as a full mix).
  package var positions: PositionMap { .mixes }

  /// `needs-image`.
  package func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic] {
    input.isImage ? [] : [IRDiagnostics.needsImage(kind, input: input, at: range)]
  }

  package var irColumns: (String, String) {
    ("\(channels)×\(channels) \(parametrization.value.rawValue) \(initialization.rawValue) init (seed \(seed))", "")
  }
  package var jsonFields: [(String, JSONValue)] {
    [("parametrization", .string(parametrization.value.rawValue)), ("init", .string(initialization.rawValue)), ("seed", .int(seed))]
  }
  package func comparedFields(_ node: GraphNode) -> [NodeField] {
    [NodeField("parametrization", parametrization.value.rawValue, at: parametrization.range),
     NodeField("init", initialization.rawValue, at: node.range),
     NodeField("seed", String(seed), at: node.range)]
  }
}

extension InvertibleConv1x1Spec: LowerableLayer {
  func lower(_ l: inout Lowering, _ layer: LayerSpec) -> (any LayerOperation)? {
    let base = seed?.value ?? Self.defaultSeed
    return InvertibleConv1x1Op(input: l.shape, parametrization: parametrization ?? Located(Self.defaultParametrization, at: layer.range),
                               initialization: initialization?.value ?? Self.defaultInitialization,
                               seed: base &+ l.nodes.count, range: layer.kind.range)
  }
}
