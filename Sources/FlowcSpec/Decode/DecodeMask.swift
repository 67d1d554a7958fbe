import FlowcDiagnostics

extension SpecDecoder {
  /// A coupling's `keep:`: a list of entries (`.explicit`, each entry located; whether
  /// they are 0 or 1 and how many there are is the validator's job) or a generator name.
  func decodeMask(_ node: YAMLNode, _ subject: String) -> Located<MaskSpec>? {
    if node.sequence != nil {
      return intList(node, subject).map { Located(.explicit($0.value), at: $0.range) }
    }
    let names = MaskGenerator.allCases.map(\.rawValue)
    let expected = "a list of 0/1 entries or a mask name such as 'first_half'"
    guard let name = string(node, subject, expected: expected) else { return nil }
    guard let generator = MaskGenerator(rawValue: name.value) else {
      emit(SpecDiagnostics.unknownValue(name.value, for: subject, at: node.range, candidates: names))
      return nil
    }
    return Located(.generator(generator), at: node.range)
  }
}
