import FlowcDiagnostics
import FlowcSpec

/// The catalog of lowering and validation messages: one factory per message,
/// alphabetical by id. Ids are documented in docs/diagnostics.md.
enum IRDiagnostics {
  static func checkerboardShape(at r: SourceRange, shape: [Int]?) -> Diagnostic {
    .error("checkerboard-shape",
           shape == nil ? "a checkerboard mask needs the image 'shape' of the data"
                        : "a checkerboard mask needs a 2-D 'shape' (rows, columns), this one has \(shape!.count) \(shape!.count == 1 ? "axis" : "axes")",
           at: r, suggestion: "declare 'shape: [28, 28]' at the top of the spec, or use 'even'/'odd' masks")
  }

  static func couplingNets(_ kind: String, at r: SourceRange, problem: String, suggestion: String) -> Diagnostic {
    .error("coupling-nets", "\(kind) \(problem)", at: r, suggestion: suggestion)
  }

  static func dimensionTooLarge(_ d: Int, at r: SourceRange) -> Diagnostic {
    .error("dimension-too-large", "dimension \(d) is larger than flowc supports (\(SpecDefaults.maxDimension))",
           at: r, suggestion: "flows here act on flattened vectors; is the shape right?")
  }

  static func flipWithoutPrevious(at r: SourceRange) -> Diagnostic {
    .error("flip-without-previous", "'flip' takes the previous coupling's mask, but no coupling comes before this one",
           at: r, suggestion: "give the first coupling an explicit mask or a generator such as 'even'")
  }

  static func flowTooLarge(_ n: Int, at r: SourceRange) -> Diagnostic {
    .error("flow-too-large",
           "the flow expands to \(n == .max ? "more than \(SpecDefaults.maxLayers)" : String(n)) layers; at most \(SpecDefaults.maxLayers) are supported",
           at: r, suggestion: "lower the repeat counts")
  }

  static func missingHidden(_ role: String, at r: SourceRange) -> Diagnostic {
    .error("missing-hidden", "the \(role) network has no 'hidden' sizes", at: r,
           suggestion: "add 'hidden: [256, 256]' to the network or its template")
  }

  static func sharedNetOutputActivation(at r: SourceRange, setAt activation: SourceRange) -> Diagnostic {
    .error("shared-net-output-activation",
           "an output activation on a two-headed 'net' would apply to the shift head too",
           at: r, notes: [.init("the output activation is set here", at: activation)], suggestion: "use 'scale_clamp' on the coupling to bound the scale, or separate 'scale' and 'shift' nets")
  }

  static func splineBound(node: Int, position: Int, values: ClosedRange<Double>, origin: String, bound: InputBound,
                          source: SourceRange) -> Diagnostic {
    let b = bound.interval
    return .warning(
      "spline-bound",
      "the values of dimension \(position) reaching %\(node) can lie in [\(formatFixed(values.lowerBound, 2)), \(formatFixed(values.upperBound, 2))] (\(origin)), beyond the spline's bound [\(formatNumber(b.lowerBound)), \(formatNumber(b.upperBound))]: \(bound.outside)",
      at: bound.range,
      notes: [.init("the data source is set here", at: source)],
      suggestion: bound.suggestion)
  }

  static func unknownTemplate(_ name: String, at r: SourceRange, known: [String]) -> Diagnostic {
    let guess = EditDistance.suggestion(for: name, among: known)
    return .error("unknown-template", "no template named '\(name)'", at: r,
                  suggestion: guess.map { "did you mean '\($0)'?" }
                    ?? (known.isEmpty ? "define it under 'templates:'" : "templates defined: \(known.joined(separator: ", "))"))
  }

  static func batchNormEpsilon(_ eps: Double, at r: SourceRange) -> Diagnostic {
    .error("batchnorm-epsilon", "batch_norm epsilon must be a finite number > 0 (it is \(formatNumber(eps))); with 0 a constant feature divides by zero",
           at: r, suggestion: "use the default 1e-5")
  }

  static func elementwiseNotMonotone(_ function: String, why: String, at r: SourceRange) -> Diagnostic {
    .error("elementwise-not-monotone", "elementwise '\(function)' is not strictly monotone, so it is not invertible: \(why)",
           at: r, suggestion: "use leaky_relu with a slope > 0, sigmoid, logit or tanh")
  }

  static func linearNotLU(at r: SourceRange) -> Diagnostic {
    .error("linear-not-lu", "a 'dense' linear layer can become singular during training",
           at: r, suggestion: "use 'parametrization: lu' (Glow): invertible by construction, log-det in O(D)")
  }

  static func linearNotSquare(_ inputs: Int, features: Int, at r: SourceRange) -> Diagnostic {
    .error("linear-not-square", "linear layer maps \(inputs) features to \(features); only a square matrix is invertible",
           at: r, suggestion: "leave 'features' out or set it to \(inputs)")
  }

  static func permutationDuplicate(_ duplicate: Int, missing: Int, dimension d: Int, at r: SourceRange) -> Diagnostic {
    .error("permutation-invalid", "permutation lists \(duplicate) twice and never lists \(missing), so it is not invertible",
           at: r, suggestion: "list every index from 0 to \(d - 1) exactly once")
  }

  static func permutationOutOfRange(_ entry: Int, dimension d: Int, at r: SourceRange) -> Diagnostic {
    .error("permutation-invalid", "permutation entry \(entry) is outside 0..\(d - 1)", at: r)
  }

  static func permutationSize(_ count: Int, dimension: Located<Int>, at r: SourceRange) -> Diagnostic {
    .error("permutation-size", "permutation has \(count) entries but the flow has dimension \(dimension.value)",
           at: r, notes: [dimensionNote(dimension)])
  }

  static func scaleNotPositive(at r: SourceRange) -> Diagnostic {
    .error("scale-not-positive",
           "scale_function 'linear' uses the net's output as the scale, which can be zero or negative, so the coupling is not invertible",
           at: r, suggestion: "use 'exp' (Real NVP) or 'sigmoid' (Glow): both are always positive")
  }

  /// "the flow's dimension 2 is set here".
  static func dimensionNote(_ dimension: Located<Int>) -> Diagnostic.Note {
    Diagnostic.Note("the flow's dimension \(dimension.value) is set here", at: dimension.range)
  }
}
