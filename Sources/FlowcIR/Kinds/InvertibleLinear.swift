import FlowcDiagnostics
import FlowcSpec

/// A learned invertible linear layer (LU-parametrised).
package struct InvertibleLinearOp: LayerOperation {
  package var parametrization: Located<InvertibleLinearSpec.Parametrization>
  /// Output features; the validator requires it to equal the input size.
  package var features: Located<Int>
  package var initialization: InvertibleLinearSpec.Init
  package var seed: Int

  package var kind: String { InvertibleLinearSpec.kind }
  package func outputShape(input: TensorShape) -> TensorShape { .vector(max(0, features.value)) }
  // LU: strictly lower L, strictly upper U and log|diag| make D*D numbers.
  // Stored as the runtime (and a PyTorch LU layer) stores them: full D×D `lower` and
  // `upper` tensors, of which only the strict triangles train, and D log-scales.
  package func parameterCount(input: TensorShape) -> Int {
    input.count.multipliedSaturating(by: input.count).multipliedSaturating(by: 2).addingSaturating(input.count)
  }
  package func flopsPerSample(input: TensorShape) -> Int { 2.multipliedSaturating(by: input.count.multipliedSaturating(by: input.count)) }
  package var positions: PositionMap { .mixes }

  /// `linear-not-lu`, `linear-not-square`.
  package func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic] {
    var out: [Diagnostic] = []
    if parametrization.value != .lu { out.append(IRDiagnostics.linearNotLU(at: parametrization.range)) }
    if features.value != node.inputDim { out.append(IRDiagnostics.linearNotSquare(node.inputDim, features: features.value, at: features.range)) }
    return out
  }

  package var irColumns: (String, String) { ("\(parametrization.value.rawValue) \(initialization.rawValue) init (seed \(seed))", "") }
  package var jsonFields: [(String, JSONValue)] {
    [("parametrization", .string(parametrization.value.rawValue)), ("init", .string(initialization.rawValue)), ("seed", .int(seed))]
  }
  package func comparedFields(_ node: GraphNode) -> [NodeField] {
    [NodeField("parametrization", parametrization.value.rawValue, at: parametrization.range),
     NodeField("init", initialization.rawValue, at: node.range),
     NodeField("seed", String(seed), at: node.range)]
  }
}

extension InvertibleLinearSpec: LowerableLayer {
  func lower(_ l: inout Lowering, _ layer: LayerSpec) -> (any LayerOperation)? {
    InvertibleLinearOp(parametrization: parametrization ?? Located(Self.defaultParametrization, at: layer.range),
                       features: features ?? Located(max(0, l.dimension), at: layer.range),
                       initialization: initialization?.value ?? Self.defaultInitialization,
                       seed: seed?.value ?? Self.defaultSeed)
  }
}
