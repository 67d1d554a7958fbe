import FlowcDiagnostics
import FlowcSpec

/// Every operation is invertible by construction:
/// - `scale-not-positive`: an affine coupling's scale is exp(s) or sigmoid(s + 2), never s;
/// - `elementwise-not-monotone`: an elementwise layer's function is strictly monotone;
/// - `linear-not-lu`, `linear-not-square`: a linear layer is square and LU-parametrised;
/// - `batchnorm-epsilon`: BatchNorm divides by sqrt(var + eps), so eps > 0.
@Sendable func checkInvertibility(_ g: FlowGraph) -> [Diagnostic] {
  var out: [Diagnostic] = []
  var seen = Set<SourceRange>()
  for node in g.nodes {
    guard seen.insert(node.range).inserted else { continue }
    switch node.op {
    case .affineCoupling(let c) where c.scaleFunction.value == .linear:
      out.append(.error("scale-not-positive",
                        "scale_function 'linear' uses the net's output as the scale, which can be zero or negative, so the coupling is not invertible",
                        at: c.scaleFunction.range, suggestion: "use 'exp' (Real NVP) or 'sigmoid' (Glow): both are always positive"))
    case .elementwise(let f):
      let why: String?
      switch f.value {
      case .relu: why = "relu maps every negative number to 0"
      case .abs: why = "abs maps x and -x to the same value"
      case .square: why = "square maps x and -x to the same value"
      case .leakyReLU(let s) where !(s > 0): why = "leaky_relu with slope \(formatNumber(s)) is not increasing for negative inputs"
      default: why = nil
      }
      if let why {
        out.append(.error("elementwise-not-monotone", "elementwise '\(f.value.description)' is not strictly monotone, so it is not invertible: \(why)",
                          at: f.range, suggestion: "use leaky_relu with a slope > 0, sigmoid, logit or tanh"))
      }
    case .invertibleLinear(let l):
      if l.parametrization.value != .lu {
        out.append(.error("linear-not-lu", "a 'dense' linear layer can become singular during training",
                          at: l.parametrization.range,
                          suggestion: "use 'parametrization: lu' (Glow): invertible by construction, log-det in O(D)"))
      }
      if l.features.value != node.inputDim {
        out.append(.error("linear-not-square", "linear layer maps \(node.inputDim) features to \(l.features.value); only a square matrix is invertible",
                          at: l.features.range, suggestion: "leave 'features' out or set it to \(node.inputDim)"))
      }
    case .batchNorm(_, let eps):
      if !(eps.value > 0) || !eps.value.isFinite {
        out.append(.error("batchnorm-epsilon", "batch_norm epsilon must be a finite number > 0 (it is \(formatNumber(eps.value))); with 0 a constant feature divides by zero",
                          at: eps.range, suggestion: "use the default 1e-5"))
      }
    default:
      continue
    }
  }
  return out
}

/// `value-range` for the networks: every hidden width is at least 1, activation
/// parameters and the scale clamp are finite.
@Sendable func checkNetworks(_ g: FlowGraph) -> [Diagnostic] {
  var out: [Diagnostic] = []
  var seen = Set<SourceRange>()
  for node in g.nodes {
    guard let c = node.op.coupling else { continue }
    for net in c.nets.all {
      for h in net.hidden where h.value < 1 && seen.insert(h.range).inserted {
        out.append(valueRange("a hidden width", h.value, "at least 1", at: h.range))
      }
      for a in [net.activation, net.outputActivation] {
        switch a.value {
        case .leakyReLU(let x), .elu(let x):
          if !x.isFinite, seen.insert(a.range).inserted {
            out.append(valueRange("the activation parameter", x, "a finite number", at: a.range))
          }
        default: break
        }
      }
    }
    if let clamp = c.scaleClamp, !(clamp.value > 0 && clamp.value.isFinite), seen.insert(clamp.range).inserted {
      out.append(valueRange("scale_clamp", clamp.value, "a finite number > 0", at: clamp.range))
    }
  }
  return out
}

/// The `value-range` diagnostic: "lr is -0.001; it must be > 0".
func valueRange(_ what: String, _ value: some CustomStringConvertible, _ requirement: String, at r: SourceRange) -> Diagnostic {
  let shown = (value as? Double).map(formatNumber) ?? value.description
  return .error("value-range", "\(what) is \(shown); it must be \(requirement)", at: r)
}
