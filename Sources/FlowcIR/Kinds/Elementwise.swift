import FlowcDiagnostics
import FlowcSpec

/// A strictly monotone function applied to every feature.
package struct ElementwiseOp: LayerOperation {
  package var function: Located<ElementwiseFunction>

  package var kind: String { ElementwiseSpec.kind }

  /// `elementwise-not-monotone`: only strictly monotone functions are invertible.
  package func validate(_ node: GraphNode, in graph: FlowGraph) -> [Diagnostic] {
    let why: String?
    switch function.value {
    case .relu: why = "relu maps every negative number to 0"
    case .abs: why = "abs maps x and -x to the same value"
    case .square: why = "square maps x and -x to the same value"
    case .leakyReLU(let s) where !(s > 0): why = "leaky_relu with slope \(formatNumber(s)) is not increasing for negative inputs"
    default: why = nil
    }
    return why.map { [IRDiagnostics.elementwiseNotMonotone(function.value.description, why: $0, at: function.range)] } ?? []
  }

  package var irColumns: (String, String) { (function.value.description, "") }
  package var jsonFields: [(String, JSONValue)] { [("function", .string(function.value.description))] }
  package func comparedFields(_ node: GraphNode) -> [NodeField] {
    [NodeField("function", function.value.description, at: function.range)]
  }
}

extension ElementwiseSpec: LowerableLayer {
  func lower(_ l: inout Lowering, _ layer: LayerSpec) -> (any LayerOperation)? {
    function.map(ElementwiseOp.init)  // nil: the decoder reported the missing key
  }
}
