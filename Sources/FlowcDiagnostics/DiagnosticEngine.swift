/// Collects the diagnostics of a pass.
///
/// Stages append to an engine instead of throwing, so one run reports every problem
/// it can find. The driver checks `hasErrors` after each stage and stops there: a later
/// stage never runs on input an earlier one rejected.
package final class DiagnosticEngine {
  package private(set) var diagnostics: [Diagnostic] = []
  /// How many diagnostics get a did-you-mean computed (0: all). A suggestion costs an
  /// edit distance per candidate, and beyond the printed `--error-limit` nobody reads
  /// it: a 300,000-key mapping would spend seconds suggesting keys for messages that
  /// are only counted.
  package var suggestionLimit: Int

  package init(suggestionLimit: Int = 50) {
    self.suggestionLimit = suggestionLimit
  }

  /// Whether the next diagnostic should still carry a computed suggestion.
  package var wantsSuggestions: Bool { suggestionLimit == 0 || diagnostics.count < suggestionLimit }

  package func emit(_ diagnostic: Diagnostic) {
    diagnostics.append(diagnostic)
  }

  package func emit(contentsOf more: some Sequence<Diagnostic>) {
    diagnostics.append(contentsOf: more)
  }

  package var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
  package var errorCount: Int { diagnostics.count { $0.severity == .error } }
  package var warningCount: Int { diagnostics.count { $0.severity == .warning } }

  /// The diagnostics in file order (then by severity), for printing. Diagnostics
  /// without a location come first: they are about the whole input.
  package var sorted: [Diagnostic] {
    diagnostics.enumerated().sorted { a, b in
      let (ra, rb) = (a.element.range, b.element.range)
      switch (ra, rb) {
      case (nil, nil): return a.offset < b.offset
      case (nil, _): return true
      case (_, nil): return false
      case let (x?, y?):
        if x.file != y.file { return a.offset < b.offset }
        if x.start != y.start { return x.start < y.start }
        return a.offset < b.offset
      }
    }.map(\.element)
  }
}
