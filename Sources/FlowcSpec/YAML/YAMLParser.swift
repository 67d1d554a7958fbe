import CYAML
import FlowcDiagnostics

/// Reads a YAML file with the system libyaml into a located node tree.
///
/// libyaml gives events (start mapping, scalar, end sequence, ...) with marks; this type
/// turns them into ``YAMLNode`` values and reports, each at its line and column, what
/// the spec language does not accept although YAML may: several documents, tags,
/// complex keys, duplicate keys (YAML forbids them, libyaml lets them through), aliases
/// to unknown or unfinished anchors, and anything past ``YAMLLimits``. It never
/// recurses, so nesting depth cannot overflow the stack.
package struct YAMLParser {
  package var limits: YAMLLimits

  package init(limits: YAMLLimits = YAMLLimits()) {
    self.limits = limits
  }

  /// Parses `source`. Errors go to `diagnostics`; the returned document's root is nil
  /// when nothing usable was read (a syntax error stops libyaml, so nothing after it is).
  package func parse(_ source: SourceFile, diagnostics: DiagnosticEngine) -> YAMLDocument {
    var builder = TreeBuilder(source: source, limits: limits, diagnostics: diagnostics)
    builder.run()
    return YAMLDocument(source: source, root: builder.root)
  }
}

// Why the tree is built here from libyaml's events and not by a loader (libyaml's document
// API, or a library such as Yams): a loader builds the whole document before anything can
// look at it (Yams recursively, a stack frame per level of nesting), so depth, scalar size
// and alias expansion could only be checked once the stack or memory is spent. Building it
// here keeps every limit of `YAMLLimits` checked as the events arrive, a `SourceRange` on
// every node, and duplicate keys reported at their second occurrence (YAML forbids them;
// libyaml does not check).

/// The event loop; one per parse.
private struct TreeBuilder {
  let source: SourceFile
  let limits: YAMLLimits
  let diagnostics: DiagnosticEngine
  var root: YAMLNode?

  /// A container being filled.
  private struct Frame {
    var isMapping: Bool
    var start: SourceLocation
    var anchor: String?
    var items: [YAMLNode] = []
    var pairs: [YAMLPair] = []
    /// A mapping's key waiting for its value.
    var pendingKey: YAMLNode?
    /// Set when the pending key must be dropped (complex or duplicate) with its value.
    var skipValue = false
    /// First occurrence of each key, for duplicate detection.
    var seenKeys: [String: SourceRange] = [:]
    /// Nodes in this subtree (after alias expansion), for the alias budget.
    var size = 1
  }

  private var stack: [Frame] = []
  private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
  /// Anchors whose node is still open: an alias to one of them refers to itself.
  private var openAnchors: Set<String> = []
  private var totalNodes = 0
  private var documents = 0

  init(source: SourceFile, limits: YAMLLimits, diagnostics: DiagnosticEngine) {
    self.source = source
    self.limits = limits
    self.diagnostics = diagnostics
  }

  mutating func run() {
    var parser = yaml_parser_t()
    guard yaml_parser_initialize(&parser) == 1 else {
      diagnostics.emit(YAMLDiagnostics.internalError())
      return
    }
    defer { yaml_parser_delete(&parser) }
    source.bytes.withUnsafeBufferPointer { buffer in
      // libyaml keeps the pointer, so all parsing happens inside this closure.
      yaml_parser_set_input_string(&parser, buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, buffer.count)
      var event = yaml_event_t()
      while true {
        guard yaml_parser_parse(&parser, &event) == 1 else {
          reportSyntaxError(parser)
          root = nil
          return
        }
        let keepGoing = handle(event)
        let done = event.type == YAML_STREAM_END_EVENT
        yaml_event_delete(&event)
        if !keepGoing {
          root = nil
          return
        }
        if done { return }
      }
    }
  }

  // MARK: - Events

  /// Handles one event; false stops the parse (a limit was hit).
  private mutating func handle(_ event: yaml_event_t) -> Bool {
    let start = location(event.start_mark)
    let end = location(event.end_mark)
    let range = SourceRange(file: source.path, start: start, end: end)
    switch event.type {
    case YAML_DOCUMENT_START_EVENT:
      documents += 1
      if documents > 1 {
        diagnostics.emit(YAMLDiagnostics.multipleDocuments(at: range))
        return false
      }
    case YAML_MAPPING_START_EVENT, YAML_SEQUENCE_START_EVENT:
      let isMapping = event.type == YAML_MAPPING_START_EVENT
      let tag = isMapping ? event.data.mapping_start.tag : event.data.sequence_start.tag
      let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
      checkTag(tag, at: range)
      if stack.count >= limits.maxDepth {
        diagnostics.emit(YAMLDiagnostics.tooDeep(limit: limits.maxDepth, at: range))
        return false
      }
      let name = anchor.map { String(cString: $0) }
      if let name { openAnchors.insert(name) }
      stack.append(Frame(isMapping: isMapping, start: start, anchor: name))
      return countNodes(1, at: range)
    case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT:
      guard let frame = stack.popLast() else { return true }
      let full = SourceRange(file: source.path, start: frame.start, end: end)
      let node = YAMLNode(frame.isMapping ? .mapping(frame.pairs) : .sequence(frame.items), range: full)
      if let a = frame.anchor {
        openAnchors.remove(a)
        anchors[a] = (node, frame.size)
      }
      add(node, size: frame.size)
    case YAML_SCALAR_EVENT:
      let s = event.data.scalar
      checkTag(s.tag, at: range)
      if s.length > limits.maxScalarBytes {
        diagnostics.emit(YAMLDiagnostics.scalarTooLong(s.length, limit: limits.maxScalarBytes, at: range))
        return false
      }
      let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
      let node = YAMLNode(.scalar(YAMLScalar(text, style: style(s.style))), range: range)
      if let a = s.anchor { anchors[String(cString: a)] = (node, 1) }
      guard countNodes(1, at: range) else { return false }
      add(node, size: 1)
    case YAML_ALIAS_EVENT:
      let name = String(cString: event.data.alias.anchor)
      if openAnchors.contains(name) {
        diagnostics.emit(YAMLDiagnostics.recursiveAlias(name, at: range))
        return false
      }
      guard let (node, size) = anchors[name] else {
        diagnostics.emit(YAMLDiagnostics.unknownAlias(name, at: range))
        return false
      }
      guard countNodes(size, at: range) else { return false }
      // The copy shares storage with the anchored node (arrays are copy-on-write),
      // so expanding an alias costs no memory; the node budget bounds the walk.
      var copy = node
      copy.range = range
      add(copy, size: size)
    default:
      break
    }
    return true
  }

  /// Adds a finished node to the open container (or makes it the root).
  private mutating func add(_ node: YAMLNode, size: Int) {
    guard !stack.isEmpty else {
      root = node
      return
    }
    // Mutate the top frame in place: copying it out and back would copy its arrays on
    // every append and make reading a long list quadratic.
    let reported = Self.addToFrame(&stack[stack.count - 1], node, size: size)
    if let reported { diagnostics.emit(reported) }
  }

  /// Appends `node` to `frame` as an item, a key or a value; returns a diagnostic for a
  /// complex or duplicate key.
  private static func addToFrame(_ frame: inout Frame, _ node: YAMLNode, size: Int) -> Diagnostic? {
    frame.size += size
    guard frame.isMapping else {
      frame.items.append(node)
      return nil
    }
    guard let key = frame.pendingKey else {
      // A key.
      frame.pendingKey = node
      frame.skipValue = false
      guard let keyScalar = node.scalar else {
        frame.skipValue = true
        return YAMLDiagnostics.complexKey(node.describedKind, at: node.range)
      }
      if let first = frame.seenKeys[keyScalar.value] {
        frame.skipValue = true
        return YAMLDiagnostics.duplicateKey(keyScalar.value, at: node.range, first: first)
      }
      frame.seenKeys[keyScalar.value] = node.range
      return nil
    }
    if !frame.skipValue { frame.pairs.append(YAMLPair(key: key, value: node)) }
    frame.pendingKey = nil
    frame.skipValue = false
    return nil
  }

  private mutating func countNodes(_ n: Int, at range: SourceRange) -> Bool {
    totalNodes += n
    if totalNodes > limits.maxNodes {
      diagnostics.emit(YAMLDiagnostics.tooManyNodes(limit: limits.maxNodes, at: range))
      return false
    }
    return true
  }

  private func checkTag(_ tag: UnsafeMutablePointer<yaml_char_t>?, at range: SourceRange) {
    guard let tag else { return }
    let name = String(cString: tag)
    diagnostics.emit(YAMLDiagnostics.tag(name, at: range))
  }

  // MARK: - Errors and positions

  private func reportSyntaxError(_ parser: yaml_parser_t) {
    let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
    let range: SourceRange
    if parser.error == YAML_READER_ERROR {
      // Reader errors (bad encoding, control characters) carry a byte offset, not a mark.
      range = readerErrorRange(offset: parser.problem_offset, problem: problem)
      if problem.contains("control characters") {
        diagnostics.emit(YAMLDiagnostics.controlCharacter(at: range))
      } else if problem.contains("UTF-8") || problem.contains("octet") {
        diagnostics.emit(YAMLDiagnostics.notUTF8(problem, at: range))
      } else {
        diagnostics.emit(YAMLDiagnostics.readerError(problem, at: range))
      }
      return
    }
    range = SourceRange(file: source.path, at: location(parser.problem_mark))
    let context = parser.context.map {
      (text: String(cString: $0), range: SourceRange(file: source.path, at: location(parser.context_mark)))
    }
    var hint: YAMLDiagnostics.SyntaxHint? = nil
    if problem.contains("cannot start any token"), let line = source.lineText(range.start.line), line.contains("\t") {
      hint = .tabIndentation
    } else if problem.contains("did not find expected ',' or ']'") || problem.contains("did not find expected ',' or '}'") {
      hint = .unclosedBracket
    }
    diagnostics.emit(YAMLDiagnostics.syntax(problem, at: range, context: context, hint: hint))
  }

  /// Where a reader error is, from libyaml's byte offset. Two corrections so that it
  /// agrees with the marks of every other diagnostic: "invalid trailing UTF-8 octet"
  /// gives the offset of the bad continuation byte, so step back to the sequence's lead
  /// byte (the character that cannot be read); and libyaml's marks do not count a
  /// byte-order mark, so neither does the column on line 1.
  private func readerErrorRange(offset: Int, problem: String) -> SourceRange {
    var offset = max(0, min(offset, source.bytes.count))
    if problem.contains("trailing") {
      var lead = offset
      while lead > 0, offset - lead < 4, source.bytes[lead - 1] & 0xC0 == 0x80 { lead -= 1 }
      if lead > 0, source.bytes[lead - 1] >= 0xC0 { offset = lead - 1 }
    }
    var location = source.location(ofByte: offset)
    if location.line == 1, source.bytes.starts(with: [0xEF, 0xBB, 0xBF]), offset >= 3 { location.column -= 1 }
    return SourceRange(file: source.path, at: location)
  }

  private func location(_ mark: yaml_mark_t) -> SourceLocation {
    SourceLocation(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
  }

  private func style(_ s: yaml_scalar_style_t) -> YAMLScalar.Style {
    switch s {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
    case YAML_LITERAL_SCALAR_STYLE: .literal
    case YAML_FOLDED_SCALAR_STYLE: .folded
    default: .plain
    }
  }
}
