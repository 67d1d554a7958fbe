import FlowcDiagnostics

/// The parse stage's messages (``YAMLParser``): one factory per message, alphabetical by id.
///
/// Call sites never spell an id or message text. libyaml's own words appear only where
/// they are the best description there is: a syntax error's problem and context, and a
/// reader error that is neither bad UTF-8 nor a control character. docs/diagnostics.md
/// section 2 documents every id.
package enum YAMLDiagnostics {
  /// Every id this stage emits; the raw value is the id printed and documented.
  package enum ID: String, DiagnosticID {
    case duplicateKey = "duplicate-key"
    case multipleDocuments = "multiple-documents"
    case yamlComplexKey = "yaml-complex-key"
    case yamlEncoding = "yaml-encoding"
    case yamlInternal = "yaml-internal"
    case yamlRecursiveAlias = "yaml-recursive-alias"
    case yamlScalarTooLong = "yaml-scalar-too-long"
    case yamlSyntax = "yaml-syntax"
    case yamlTag = "yaml-tag"
    case yamlTooDeep = "yaml-too-deep"
    case yamlTooManyNodes = "yaml-too-many-nodes"
    case yamlUnknownAlias = "yaml-unknown-alias"
  }

  /// What a syntax error most likely means, when the parser can tell.
  enum SyntaxHint {
    /// A tab on the line where no token can start.
    case tabIndentation
    /// A flow list or mapping that was never closed.
    case unclosedBracket
  }

  /// A key given twice in one mapping (YAML forbids it; libyaml lets it through).
  static func duplicateKey(_ key: String, at range: SourceRange, first: SourceRange) -> Diagnostic {
    .error(ID.duplicateKey, "key '\(key)' appears twice in this mapping", at: range,
           notes: [.init("first given here", at: first)], suggestion: "YAML forbids duplicate keys; keep one of them")
  }

  /// A `---` that starts a second document.
  static func multipleDocuments(at range: SourceRange) -> Diagnostic {
    .error(ID.multipleDocuments, "a spec file holds one YAML document, this is a second one", at: range,
           suggestion: "remove the '---' line and what follows, or put it in its own file")
  }

  /// `? [a, b]`: a key that is a list or a mapping.
  static func complexKey(_ describedKind: String, at range: SourceRange) -> Diagnostic {
    .error(ID.yamlComplexKey, "a key must be a plain word, not \(describedKind)", at: range,
           suggestion: "write the key as a single word such as 'layers'")
  }

  /// A NUL byte or another control character libyaml refuses.
  static func controlCharacter(at range: SourceRange) -> Diagnostic {
    .error(ID.yamlEncoding, "the file contains a control character (such as a NUL byte); a spec is plain text",
           at: range, suggestion: "save the spec as UTF-8 text")
  }

  /// Bytes that are not UTF-8, with libyaml's description of the sequence.
  static func notUTF8(_ problem: String, at range: SourceRange) -> Diagnostic {
    .error(ID.yamlEncoding, "the file is not valid UTF-8 (\(problem))", at: range, suggestion: "save the spec as UTF-8 text")
  }

  /// Any other reader error, in libyaml's words.
  static func readerError(_ problem: String, at range: SourceRange) -> Diagnostic {
    .error(ID.yamlEncoding, problem, at: range, suggestion: "save the spec as UTF-8 text")
  }

  /// libyaml's parser could not be initialised (it allocates its buffers).
  static func internalError() -> Diagnostic {
    .error(ID.yamlInternal, "libyaml could not start (out of memory?)", at: nil)
  }

  /// `a: &x [*x]`: an alias inside the node its anchor names.
  static func recursiveAlias(_ name: String, at range: SourceRange) -> Diagnostic {
    .error(ID.yamlRecursiveAlias, "alias '*\(name)' refers to the node that contains it", at: range,
           suggestion: "an anchor cannot be used inside its own value")
  }

  /// A value longer than ``YAMLLimits/maxScalarBytes``.
  static func scalarTooLong(_ length: Int, limit: Int, at range: SourceRange) -> Diagnostic {
    .error(ID.yamlScalarTooLong, "this value is \(length) bytes long; values in a spec are at most \(limit >> 10) KiB",
           at: range, suggestion: "data belongs in a data file named under 'data', not in the spec")
  }

  /// libyaml gave up: its problem, and the construct it was reading as a note.
  static func syntax(_ problem: String, at range: SourceRange, context: (text: String, range: SourceRange)?,
                     hint: SyntaxHint?) -> Diagnostic {
    let suggestion: String? = switch hint {
    case .tabIndentation: "YAML does not allow tabs for indentation; indent with spaces"
    case .unclosedBracket: "close the bracket opened at the note's position"
    case nil: nil
    }
    return .error(ID.yamlSyntax, "YAML syntax error: \(problem)", at: range, notes: context.map { [.init($0.text, at: $0.range)] } ?? [],
                  suggestion: suggestion)
  }

  /// `!!python/object`: tags are not part of the spec language.
  static func tag(_ name: String, at range: SourceRange) -> Diagnostic {
    .error(ID.yamlTag, "YAML tags such as '\(name)' are not part of the spec language", at: range,
           suggestion: "remove the tag; a spec holds plain values, lists and mappings")
  }

  /// Nesting past ``YAMLLimits/maxDepth``.
  static func tooDeep(limit: Int, at range: SourceRange) -> Diagnostic {
    .error(ID.yamlTooDeep, "lists and mappings nest more than \(limit) levels deep here", at: range,
           suggestion: "a spec nests a few levels; is this file generated by mistake?")
  }

  /// More than ``YAMLLimits/maxNodes`` nodes once aliases are expanded (an alias bomb).
  static func tooManyNodes(limit: Int, at range: SourceRange) -> Diagnostic {
    .error(ID.yamlTooManyNodes, "the document grows past \(limit) nodes here (aliases included)", at: range,
           suggestion: "nested aliases expand exponentially; write the values out or use 'templates'")
  }

  /// `*name` before (or without) `&name`.
  static func unknownAlias(_ name: String, at range: SourceRange) -> Diagnostic {
    .error(ID.yamlUnknownAlias, "alias '*\(name)' names no anchor defined before it", at: range,
           suggestion: "define '&\(name)' on an earlier node")
  }
}
