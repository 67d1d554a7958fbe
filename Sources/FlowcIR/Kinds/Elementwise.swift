#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif
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

  /// Monotone functions map an interval to the interval between the images of its ends;
  /// sigmoid and tanh bound their output whatever the input.
  package func outputBounds(_ input: [ClosedRange<Double>?]) -> [ClosedRange<Double>?] {
    func image(_ f: (Double) -> Double, _ r: ClosedRange<Double>) -> ClosedRange<Double>? {
      let a = f(r.lowerBound), b = f(r.upperBound)
      return a.isNaN || b.isNaN || a > b ? nil : a...b
    }
    return input.map { r in
      switch function.value {
      case .leakyReLU(let slope) where slope > 0: r.flatMap { image({ $0 >= 0 ? $0 : slope * $0 }, $0) }
      case .sigmoid: r.flatMap { image({ 1 / (1 + exp(-$0)) }, $0) } ?? 0...1
      case .tanh: r.flatMap { image(tanh, $0) } ?? -1...1
      case .logit: r.flatMap { $0.lowerBound > 0 && $0.upperBound < 1 ? image({ log($0 / (1 - $0)) }, $0) : nil }
      default: nil
      }
    }
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
