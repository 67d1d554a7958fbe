import FlowcDiagnostics

/// `prior:`, the base distribution the flow maps data onto.
public struct PriorSpec: Sendable {
  public enum Kind: String, Sendable, CaseIterable {
    /// N(0, I), no parameters.
    case standardNormal = "standard_normal"
    /// N(mu, diag(exp(log_std))^2) with learnable mu and log_std.
    case diagonalNormal = "diagonal_normal"
    /// The standard logistic in every dimension, as NICE used.
    case logistic
  }

  public var kind: Located<Kind>
  public var range: SourceRange

  public init(kind: Located<Kind>, range: SourceRange) {
    self.kind = kind
    self.range = range
  }
}
