import FlowcDiagnostics

/// `--set train.lr=3e-4`: a change to the spec given on the command line, applied to
/// the YAML tree before decoding, so it is typed and validated exactly like the file.
///
/// The key path uses the spec's own keys, dot-separated; a number indexes a list
/// (`flow.0.keep=[0, 1]`). The value is YAML (`3e-4`, `adamw`, `[256, 256]`,
/// `{kind: actnorm}`). Each override becomes its own tiny source file named
/// `--set <path>`, so a diagnostic about the value points at the command line.
///
/// A null value (`--set train.epochs=~`, `=null`, or nothing after `=`; `--unset
/// train.epochs` is the same) removes the key, so `--set train.steps=200 --set
/// train.epochs=~` switches a spec from epochs to steps. A spec never needs a null
/// value (every key is either given or left out), so nothing is lost.
package struct Override: Sendable {
  package var path: [String]
  package var source: SourceFile
  package var value: YAMLNode
  /// True when the value is null: the key is removed.
  package var removes: Bool { value.scalar?.isNull == true }

  /// Parses `key.path=value`; problems go to `diagnostics` (id `bad-override`) and give nil.
  package static func parse(_ text: String, diagnostics: DiagnosticEngine) -> Override? {
    guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
      diagnostics.emit(OverrideDiagnostics.notKeyValue(text))
      return nil
    }
    let key = String(text[..<eq])
    let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    guard !path.contains(where: \.isEmpty) else {
      diagnostics.emit(OverrideDiagnostics.emptyKey(key))
      return nil
    }
    let source = SourceFile(path: "--set \(key)", text: String(text[text.index(after: eq)...]))
    let scratch = DiagnosticEngine()
    let document = YAMLParser().parse(source, diagnostics: scratch)
    diagnostics.emit(contentsOf: scratch.diagnostics)
    guard !scratch.hasErrors else { return nil }
    let value = document.root ?? YAMLNode(.scalar(YAMLScalar("")), range: source.startRange)
    return Override(path: path, source: source, value: value)
  }
}

/// Applies overrides to a parsed spec, in order. A path that runs through a value that
/// is not a mapping (or a list, for a number) is an error (`bad-override`).
package func applyOverrides(_ overrides: [Override], to document: YAMLDocument, diagnostics: DiagnosticEngine) -> YAMLDocument {
  guard var root = document.root else { return document }
  for o in overrides {
    if o.removes {
      if let problem = remove(&root, path: o.path[...]) {
        diagnostics.emit(OverrideDiagnostics.cannotSet(o.path, problem, removing: true, at: o.source.startRange))
      }
    } else if let problem = set(&root, path: o.path[...], value: o.value) {
      diagnostics.emit(OverrideDiagnostics.cannotSet(o.path, problem, at: o.source.startRange))
    }
  }
  return YAMLDocument(source: document.source, root: root)
}

/// Removes the key at `path` under `node` (a list entry for a number); returns why it
/// cannot: a key that is not there is an error, so a typo never silently does nothing.
private func remove(_ node: inout YAMLNode, path: ArraySlice<String>) -> OverrideDiagnostics.PathProblem? {
  guard let key = path.first else { return nil }
  let rest = path.dropFirst()
  switch node.kind {
  case .mapping(var pairs):
    guard let i = pairs.firstIndex(where: { $0.name == key }) else { return .noSuchKey(key) }
    if rest.isEmpty {
      pairs.remove(at: i)
    } else if let problem = remove(&pairs[i].value, path: rest) {
      return problem
    }
    node.kind = .mapping(pairs)
    return nil
  case .sequence(var items):
    guard let i = Int(key), i >= 0, i < items.count else { return .notAnIndex(key, count: items.count) }
    if rest.isEmpty {
      items.remove(at: i)
    } else if let problem = remove(&items[i], path: rest) {
      return problem
    }
    node.kind = .sequence(items)
    return nil
  case .scalar:
    return .underPlainValue(key)
  }
}

/// Sets `path` under `node` to `value`, creating mappings as needed; returns why it cannot.
private func set(_ node: inout YAMLNode, path: ArraySlice<String>, value: YAMLNode) -> OverrideDiagnostics.PathProblem? {
  guard let key = path.first else {
    node = value
    return nil
  }
  let rest = path.dropFirst()
  switch node.kind {
  case .mapping(var pairs):
    if let i = pairs.firstIndex(where: { $0.name == key }) {
      if let problem = set(&pairs[i].value, path: rest, value: value) { return problem }
    } else {
      var fresh = YAMLNode(.mapping([]), range: value.range)
      if rest.isEmpty {
        fresh = value
      } else if let problem = set(&fresh, path: rest, value: value) {
        return problem
      }
      pairs.append(YAMLPair(key: YAMLNode(.scalar(YAMLScalar(key)), range: value.range), value: fresh))
    }
    node.kind = .mapping(pairs)
    return nil
  case .sequence(var items):
    guard let i = Int(key), i >= 0, i < items.count else {
      return .notAnIndex(key, count: items.count)
    }
    if let problem = set(&items[i], path: rest, value: value) { return problem }
    node.kind = .sequence(items)
    return nil
  case .scalar:
    return .underPlainValue(key)
  }
}
