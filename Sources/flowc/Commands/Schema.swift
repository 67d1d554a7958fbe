import ArgumentParser
import FlowcIR

extension FlowcCommand {
  /// `flowc schema`: the JSON Schema of the spec language.
  struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print the JSON Schema of the spec language (for editors: yaml-language-server).",
      discussion: """
        Generated from the same key tables the spec decoder reads, so it lists every layer kind \
        and key this flowc knows. docs/flowc-spec.schema.json is this output; a spec that starts \
        with '# yaml-language-server: $schema=<path to it>' gets completion and type checks in \
        editors that run yaml-language-server. The schema checks types and structure; \
        'flowc check' checks everything else.
        """
    )

    func run() throws {
      print(emitSpecSchema(), terminator: "")
    }
  }
}
