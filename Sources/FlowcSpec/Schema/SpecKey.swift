/// The spec language's vocabulary as data: every mapping of a spec (the root, `data`,
/// `train`, a net, each layer kind, ...) is a `SpecSection` listing its keys. The
/// decoders read exactly these keys (``MappingReader`` checks it in debug builds, so a
/// key cannot be decoded without being listed, nor listed without being decoded), and
/// the JSON Schema (`flowc schema`), the docs test and the did-you-mean of an unknown
/// key all read the same lists.

/// The type of a spec value, as the JSON Schema and the docs describe it.
package indirect enum ValueType: Sendable {
  /// A plain integer (`128`).
  case integer
  /// A plain number (`1e-4`, `3`, `.inf`).
  case number
  /// `true` or `false`.
  case boolean
  /// Any string.
  case string
  /// One name from a closed vocabulary.
  case names([String])
  /// A list of values of one type.
  case list(ValueType)
  /// One of several forms (`keep: [1, 0]` or `keep: even`).
  case oneOf([ValueType])
  /// A function name, or a one-key mapping `{name: parameter}` for the parametrised
  /// ones (`relu`, `{leaky_relu: 0.2}`).
  case function(names: [String], parametrized: [String])
  /// A mapping described by another section (by its `SpecSection.name`).
  case section(String)
  /// A mapping from free names to values of one type (`templates:`).
  case mapOf(ValueType)
  /// The list of layers of a flow (every registered layer kind, and `repeat`).
  case layers
}

/// One key of a spec mapping: its name, type, meaning and default.
package struct SpecKey: Sendable {
  package var name: String
  package var type: ValueType
  /// One sentence for the docs and the schema's `description`.
  package var summary: String
  /// Whether a mapping without this key is an error.
  package var required: Bool
  /// The default as the docs write it (`exp`, `0.1`), or nil when there is none or it
  /// depends on other keys (the summary then says how).
  package var defaultValue: String?

  package init(_ name: String, _ type: ValueType, _ summary: String, required: Bool = false, default defaultValue: String? = nil) {
    self.name = name
    self.type = type
    self.summary = summary
    self.required = required
    self.defaultValue = defaultValue
  }
}

/// The keys of one kind of mapping.
package struct SpecSection: Sendable {
  /// The name the schema's `$defs` uses (`train`, `net`, `layer.affine_coupling`).
  package var name: String
  /// One sentence for the docs and the schema.
  package var summary: String
  package var keys: [SpecKey]

  package init(_ name: String, _ summary: String, keys: [SpecKey]) {
    self.name = name
    self.summary = summary
    self.keys = keys
  }

  /// The names of the keys, in order.
  package var keyNames: [String] { keys.map(\.name) }

  /// The key named `name`.
  package func key(_ name: String) -> SpecKey? { keys.first { $0.name == name } }
}

extension Array where Element == String {
  /// The raw values of a closed vocabulary: `.names(NetIO.allNames)`.
  package static func rawValues<E: RawRepresentable & CaseIterable>(of _: E.Type) -> [String] where E.RawValue == String {
    E.allCases.map(\.rawValue)
  }
}
