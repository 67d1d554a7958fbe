import FlowcDiagnostics

/// An elementwise function layer; only strictly monotone functions are invertible.
package struct ElementwiseSpec: LayerOptions {
  package static let kind = "elementwise"
  package static let summary = "A strictly monotone function applied to every feature (leaky_relu, sigmoid, logit, tanh)."
  package static let example = "{kind: elementwise, function: {leaky_relu: 0.5}}"

  package static let keys: [SpecKey] = [
    SpecKey("function", .function(names: ElementwiseFunction.names, parametrized: ["leaky_relu"]),
            "The function; relu, abs and square are rejected because they are not invertible.", required: true),
  ]

  package var function: Located<ElementwiseFunction>?

  package init(decoding r: MappingReader) {
    function = r.require("function", ValueReader { $0.decodeElementwiseFunction($1, $2) }, example: "function: leaky_relu")
  }
}

/// Elementwise functions the parser knows. The validator accepts the strictly monotone
/// ones and explains why the others (relu, abs, square, leaky_relu with slope <= 0) are
/// not invertible.
package enum ElementwiseFunction: Sendable, Hashable {
  case leakyReLU(slope: Double)
  case sigmoid
  case logit
  case tanh
  case relu
  case abs
  case square

  package static let names = ["leaky_relu", "sigmoid", "logit", "tanh", "relu", "abs", "square"]

  package var description: String {
    switch self {
    case .leakyReLU(let s): "leaky_relu(\(formatNumber(s)))"
    case .sigmoid: "sigmoid"
    case .logit: "logit"
    case .tanh: "tanh"
    case .relu: "relu"
    case .abs: "abs"
    case .square: "square"
    }
  }
}

extension SpecDecoder {
  /// An elementwise layer's `function:`: a name, or `{leaky_relu: slope}`.
  func decodeElementwiseFunction(_ node: YAMLNode, _ subject: String) -> Located<ElementwiseFunction>? {
    guard let (name, parameter) = functionName(node, subject, names: ElementwiseFunction.names,
                                               expected: "a function name such as 'tanh'") else {
      return nil
    }
    let function: ElementwiseFunction
    switch name.value {
    case "leaky_relu":
      return parameterValue(parameter, default: Activation.defaultLeakySlope, name: name)
        .map { Located(.leakyReLU(slope: $0), at: node.range) }
    case "sigmoid": function = .sigmoid
    case "logit": function = .logit
    case "tanh": function = .tanh
    case "relu": function = .relu
    case "abs": function = .abs
    default: function = .square
    }
    if let parameter {
      emit(SpecDiagnostics.unexpectedParameter(name.value, at: parameter.range))
      return nil
    }
    return Located(function, at: node.range)
  }
}
