import FlowcDiagnostics

/// A value read from the spec together with the range it was read from, so that any
/// later stage (lowering, validation, diff) can point at the exact characters.
package struct Located<Value> {
  package var value: Value
  package var range: SourceRange

  package init(_ value: Value, at range: SourceRange) {
    self.value = value
    self.range = range
  }

  /// The same range with a transformed value.
  package func map<U>(_ f: (Value) -> U) -> Located<U> { Located<U>(f(value), at: range) }
}

extension Located: Sendable where Value: Sendable {}
extension Located: Equatable where Value: Equatable {}
