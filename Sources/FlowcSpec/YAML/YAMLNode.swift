import FlowcDiagnostics

/// A node of the located YAML tree: what libyaml read, with the file, line and column
/// of every scalar, sequence and mapping, so each later stage can point at it.
///
/// The tree holds no YAML tags, anchors or aliases: the parser rejects tags and expands
/// aliases (within a budget), so the decoder sees plain data.
package struct YAMLNode: Sendable {
  package enum Kind: Sendable {
    case scalar(YAMLScalar)
    case sequence([YAMLNode])
    case mapping([YAMLPair])
  }

  package var kind: Kind
  /// From the node's first character to just past its last.
  package var range: SourceRange

  package init(_ kind: Kind, range: SourceRange) {
    self.kind = kind
    self.range = range
  }

  /// The scalar, if this is one.
  package var scalar: YAMLScalar? {
    if case .scalar(let s) = kind { return s }
    return nil
  }

  /// The entries, if this is a sequence.
  package var sequence: [YAMLNode]? {
    if case .sequence(let s) = kind { return s }
    return nil
  }

  /// The key/value pairs in file order, if this is a mapping.
  package var mapping: [YAMLPair]? {
    if case .mapping(let m) = kind { return m }
    return nil
  }

  /// What this node is, in words for a type-mismatch diagnostic ("a list", "the string 'abc'").
  package var describedKind: String {
    switch kind {
    case .scalar(let s):
      if s.isNull { return "nothing (null)" }
      let shown = s.value.count > 40 ? String(s.value.prefix(40)) + "..." : s.value
      if s.style == .plain, Double(s.value) != nil || Int(s.value) != nil { return "the number \(shown)" }
      if s.style == .plain, s.value == "true" || s.value == "false" { return "the boolean \(shown)" }
      return "the string '\(shown)'"
    case .sequence: return "a list"
    case .mapping: return "a mapping"
    }
  }
}

/// A key and its value in a mapping. Keys are always scalars: the parser rejects
/// complex keys.
package struct YAMLPair: Sendable {
  package var key: YAMLNode
  package var value: YAMLNode

  /// The key's text.
  package var name: String { key.scalar?.value ?? "" }

  package init(key: YAMLNode, value: YAMLNode) {
    self.key = key
    self.value = value
  }
}

/// A scalar's text and how it was written: quoting decides whether `1` is a number
/// (plain) or a string (`"1"`).
package struct YAMLScalar: Sendable, Hashable {
  package enum Style: String, Sendable {
    case plain, singleQuoted, doubleQuoted, literal, folded
  }

  package var value: String
  package var style: Style

  package init(_ value: String, style: Style = .plain) {
    self.value = value
    self.style = style
  }

  /// A plain `null`, `~` or empty scalar (YAML 1.2 core schema).
  package var isNull: Bool {
    style == .plain && (value.isEmpty || value == "~" || value == "null" || value == "Null" || value == "NULL")
  }
}

/// A parsed file: the source (kept for quoting lines in diagnostics) and its root node,
/// nil when the file holds no document.
package struct YAMLDocument: Sendable {
  package var source: SourceFile
  package var root: YAMLNode?

  package init(source: SourceFile, root: YAMLNode?) {
    self.source = source
    self.root = root
  }
}
