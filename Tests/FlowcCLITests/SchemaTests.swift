import Foundation
import Testing

/// `flowc schema` and the committed JSON Schema: up to date, valid for every shipped spec
/// (checked with Python's `jsonschema`, as an editor would), strict enough to reject a
/// typo, and named by every shipped spec's modeline.
@Suite struct SchemaTests {
  static let schemaPath = "docs/flowc-spec.schema.json"

  /// The shipped specs and examples, the broken examples last.
  static var shippedSpecs: [String] {
    ["specs", "examples"].flatMap { dir in
      ((try? FileManager.default.contentsOfDirectory(atPath: FlowcBinary.root.appendingPathComponent(dir).path)) ?? [])
        .filter { $0.hasSuffix(".yaml") }.sorted().map { "\(dir)/\($0)" }
    }
  }

  @Test func committedSchemaIsUpToDate() throws {
    let r = try FlowcBinary.run(["schema"])
    #expect(r.status == 0, "\(r.stderr)")
    let url = FlowcBinary.root.appendingPathComponent(Self.schemaPath)
    if ProcessInfo.processInfo.environment["FLOWC_UPDATE_GOLDEN"] == "1" {
      try Data(r.stdout.utf8).write(to: url)
    }
    let committed = try String(contentsOf: url, encoding: .utf8)
    #expect(committed == r.stdout, "\(Self.schemaPath) is out of date: run 'flowc schema > \(Self.schemaPath)'")
  }

  @Test func everyShippedSpecNamesTheSchema() throws {
    for spec in Self.shippedSpecs {
      let text = try String(contentsOf: FlowcBinary.root.appendingPathComponent(spec), encoding: .utf8)
      #expect(text.hasPrefix("# yaml-language-server: $schema=../\(Self.schemaPath)\n"), "\(spec) lacks the modeline")
    }
  }

  /// PyYAML reads YAML 1.1 (`1e-4` is a string there, `yes` a boolean); editors and flowc
  /// read YAML 1.2's core schema, so the check loads with 1.2's float and bool rules.
  static let validator = #"""
    import json, re, sys, yaml, jsonschema
    class Loader12(yaml.SafeLoader): pass
    Loader12.yaml_implicit_resolvers = {k: [(t, r) for t, r in v if t not in ('tag:yaml.org,2002:float', 'tag:yaml.org,2002:bool')]
                                        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    Loader12.add_implicit_resolver('tag:yaml.org,2002:float', re.compile(
        r'^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$'), list('-+0123456789.'))
    Loader12.add_implicit_resolver('tag:yaml.org,2002:bool', re.compile(r'^(?:true|false)$'), list('tf'))
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft7Validator.check_schema(schema)
    v = jsonschema.Draft7Validator(schema)
    for path in sys.argv[2:]:
        errors = list(v.iter_errors(yaml.load(open(path), Loader=Loader12)))
        print(path, "valid" if not errors else "invalid: " + "; ".join(e.message[:120] for e in errors[:3]))
    """#

  @Test func shippedSpecsValidateAgainstTheSchema() throws {
    let specs = Self.shippedSpecs
    guard let r = TorchInteropTests.runTool("python3", ["-c", Self.validator, Self.schemaPath] + specs), r.status == 0 else {
      let probe = TorchInteropTests.runTool("python3", ["-c", "import yaml, jsonschema"])
      if probe?.status != 0 {
        print("skipped: shippedSpecsValidateAgainstTheSchema needs Python's yaml and jsonschema (pip install pyyaml jsonschema)")
        return
      }
      Issue.record("the validator failed")
      return
    }
    let verdicts = Dictionary(uniqueKeysWithValues: r.stdout.split(separator: "\n").map { line -> (String, String) in
      let parts = line.split(separator: " ", maxSplits: 1)
      return (String(parts[0]), String(parts[1]))
    })
    for spec in specs {
      // broken.yaml's mistakes are semantic (a mask's length, a non-invertible function):
      // the schema accepts it and `flowc check` does not. broken-typos.yaml's are typos.
      if spec.hasSuffix("broken-typos.yaml") {
        #expect(verdicts[spec]?.contains("'hiden' was unexpected") == true, "\(spec): \(verdicts[spec] ?? "no verdict")")
      } else {
        #expect(verdicts[spec] == "valid", "\(spec): \(verdicts[spec] ?? "no verdict")")
      }
    }
  }
}
