import FlowcDiagnostics
import FlowcSpec

/// The catalog of lowering and validation messages: one factory per message,
/// alphabetical by id. Ids are documented in docs/diagnostics.md.
enum IRDiagnostics {
  /// An explicit `maf`/`iaf` order that lists an index twice: some dimension would get no
  /// degree, and the layer would not be autoregressive (nor invertible).
  static func autoregressiveOrderDuplicate(_ duplicate: Int, missing: Int, at r: SourceRange) -> Diagnostic {
    .error("autoregressive-order",
           "order lists \(duplicate) twice and never lists \(missing), so it is not an autoregressive order: dimension \(missing) would have no place",
           at: r, suggestion: "list every dimension exactly once, or write 'order: natural', 'reversed' or 'random'")
  }

  static func autoregressiveOrderOutOfRange(_ entry: Int, dimension d: Int, at r: SourceRange) -> Diagnostic {
    .error("autoregressive-order", "order entry \(entry) is outside 0..\(d - 1)", at: r,
           suggestion: "list every dimension from 0 to \(d - 1) exactly once")
  }

  static func autoregressiveOrderSize(_ count: Int, dimension: Located<Int>, at r: SourceRange) -> Diagnostic {
    .error("autoregressive-order", "order has \(count) entries but the flow has dimension \(dimension.value)",
           at: r, notes: [dimensionNote(dimension)], suggestion: "list every dimension exactly once, or write 'order: natural'")
  }

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

  /// A MADE hidden layer narrower than D − 1: the inputs of degree c+1 ... D−1 reach no
  /// output (see `MADEConnectivity`); says which dimensions each output cannot see.
  static func madeNarrowHidden(layer: Int, width: Int, dimension d: Int, order: [Int], reachable c: Int,
                               affected: Int, shown missing: [(output: Int, inputs: [Int], count: Int)],
                               at r: SourceRange, orderAt: SourceRange, notes: [Diagnostic.Note]) -> Diagnostic {
    let lost = order[c..<(d - 1)]
    let which = lost.count == 1 ? "dimension \(lost.first!) (number \(c + 1) in the order) reaches"
      : "dimensions \(IndexListFormat.format(Array(lost.prefix(16)), width: 24))\(lost.count > 16 ? ",..." : "") (numbers \(c + 1) to \(d - 1) in the order) reach"
    func list(_ m: (output: Int, inputs: [Int], count: Int)) -> String {
      IndexListFormat.format(m.inputs, width: 24) + (m.count > m.inputs.count ? ",... (\(m.count) entries)" : "")
    }
    var shown = missing.map { "\($0.output) without \(list($0))" }
    shown[0] = "dimension \(missing[0].output) is modelled without \(list(missing[0]))"
    let more = affected > missing.count ? "; and \(affected - missing.count) more" : ""
    return .warning("made-narrow-hidden",
                    "hidden layer \(layer) of the MADE has \(width) unit\(width == 1 ? "" : "s"), fewer than D - 1 = \(d - 1): \(which) no output, so \(shown.joined(separator: "; "))\(more)",
                    at: r, notes: [.init("the order is set here", at: orderAt)] + notes,
                    suggestion: "make every hidden layer at least \(d - 1) wide, so each dimension can depend on all dimensions before it")
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

  static func scaleNotPositive(at r: SourceRange, layer: String = "coupling") -> Diagnostic {
    .error("scale-not-positive",
           "scale_function 'linear' uses the net's output as the scale, which can be zero or negative, so the \(layer) is not invertible",
           at: r, suggestion: "use 'exp' (Real NVP) or 'sigmoid' (Glow): both are always positive")
  }

  /// "the flow's dimension 2 is set here".
  static func dimensionNote(_ dimension: Located<Int>) -> Diagnostic.Note {
    Diagnostic.Note("the flow's dimension \(dimension.value) is set here", at: dimension.range)
  }
}
