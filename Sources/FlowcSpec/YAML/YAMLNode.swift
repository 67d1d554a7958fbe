import FlowcDiagnostics

/// A node of the located YAML tree: what libyaml read, with the file, line and column
/// of every scalar, sequence and mapping, so each later stage can point at it.
///
/// The tree holds no YAML tags, anchors or aliases: the parser rejects tags and expands
/// aliases (within a budget), so the decoder sees plain data.
public struct YAMLNode: Sendable {
  public enum Kind: Sendable {
    case scalar(YAMLScalar)
    case sequence([YAMLNode])
    case mapping([YAMLPair])
  }

  public var kind: Kind
  /// From the node's first character to just past its last.
  public var range: SourceRange

  public init(_ kind: Kind, range: SourceRange) {
    self.kind = kind
    self.range = range
  }

  /// The scalar, if this is one.
  public var scalar: YAMLScalar? {
    if case .scalar(let s) = kind { return s }
    return nil
  }

  /// The entries, if this is a sequence.
  public var sequence: [YAMLNode]? {
    if case .sequence(let s) = kind { return s }
    return nil
  }

  /// The key/value pairs in file order, if this is a mapping.
  public var mapping: [YAMLPair]? {
    if case .mapping(let m) = kind { return m }
    return nil
  }

  /// What this node is, in words for a type-mismatch diagnostic ("a list", "the string 'abc'").
  public var describedKind: String {
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
public struct YAMLPair: Sendable {
  public var key: YAMLNode
  public var value: YAMLNode

  /// The key's text.
  public var name: String { key.scalar?.value ?? "" }

  public init(key: YAMLNode, value: YAMLNode) {
    self.key = key
    self.value = value
  }
}

/// A scalar's text and how it was written: quoting decides whether `1` is a number
/// (plain) or a string (`"1"`).
public struct YAMLScalar: Sendable, Hashable {
  public enum Style: String, Sendable {
    case plain, singleQuoted, doubleQuoted, literal, folded
  }

  public var value: String
  public var style: Style

  public init(_ value: String, style: Style = .plain) {
    self.value = value
    self.style = style
  }

  /// A plain `null`, `~` or empty scalar (YAML 1.2 core schema).
  public var isNull: Bool {
    style == .plain && (value.isEmpty || value == "~" || value == "null" || value == "Null" || value == "NULL")
  }
}

/// A parsed file: the source (kept for quoting lines in diagnostics) and its root node,
/// nil when the file holds no document.
public struct YAMLDocument: Sendable {
  public var source: SourceFile
  public var root: YAMLNode?

  public init(source: SourceFile, root: YAMLNode?) {
    self.source = source
    self.root = root
  }
}
