import FlowcDiagnostics

/// `prior:`, the base distribution the flow maps data onto.
package struct PriorSpec: Sendable {
  package enum Kind: String, Sendable, CaseIterable {
    /// N(0, I), no parameters.
    case standardNormal = "standard_normal"
    /// N(mu, diag(exp(log_std))^2) with learnable mu and log_std.
    case diagonalNormal = "diagonal_normal"
    /// The standard logistic in every dimension, as NICE used.
    case logistic
    /// N(mu(c), diag(sigma(c))^2), mu and log sigma linear in the data's context.
    case conditionalNormal = "conditional_normal"
  }

  package var kind: Located<Kind>
  package var range: SourceRange

  package init(kind: Located<Kind>, range: SourceRange) {
    self.kind = kind
    self.range = range
  }
}
