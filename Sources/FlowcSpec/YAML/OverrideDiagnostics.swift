import FlowcDiagnostics

/// The messages of `--set` overrides (``Override``, ``applyOverrides(_:to:diagnostics:)``):
/// one factory per message, alphabetical by id.
///
/// Call sites never spell an id or message text; docs/diagnostics.md section 6
/// documents the id. An override's value is YAML, so its syntax errors come from
/// ``YAMLDiagnostics`` and its types and ranges from the later stages.
package enum OverrideDiagnostics {
  /// Every id this stage emits; the raw value is the id printed and documented.
  package enum ID: String, DiagnosticID {
    case badOverride = "bad-override"
  }

  /// Why an override's key path cannot be followed into the spec.
  enum PathProblem: Equatable {
    /// A list entry named by something that is not one of its indices.
    case notAnIndex(String, count: Int)
    /// A key under a plain value, which has no keys.
    case underPlainValue(String)
    /// A key to remove that the mapping does not have.
    case noSuchKey(String)
  }

  /// The path exists in the command line but not in the spec's tree.
  static func cannotSet(_ path: [String], _ problem: PathProblem, removing: Bool = false, at range: SourceRange) -> Diagnostic {
    let why = switch problem {
    case .notAnIndex(let key, let count): "'\(key)' is not an index of this \(count)-entry list"
    case .underPlainValue(let key): "'\(key)' is under a plain value, not a mapping"
    case .noSuchKey(let key): "there is no key '\(key)' to remove"
    }
    return .error(ID.badOverride, "cannot \(removing ? "remove" : "set") '\(path.joined(separator: "."))': \(why)", at: range)
  }

  /// `--set a..b=1`.
  static func emptyKey(_ key: String) -> Diagnostic {
    .error(ID.badOverride, "'\(key)' has an empty key between dots", at: nil)
  }

  /// `--set train.lr` without `=value`, or `=value` without a key.
  static func notKeyValue(_ text: String) -> Diagnostic {
    .error(ID.badOverride, "'--set \(text)' is not of the form key.path=value", at: nil,
           suggestion: "for example --set train.lr=3e-4")
  }
}
