import FlowData
import FlowcBuild
import FlowcDiff
import FlowcExport
import FlowcIR
import FlowcSpec
import FlowcTestSupport
import FlowRuntime
import Foundation
import Testing

/// Every registered layer kind reaches every consumer of the graph: the IR JSON, the diff
/// fields, the JSON Schema, the PyTorch export, the runtime (numeric check of inverse and
/// log-det) and the docs. A kind added with its own files and a registration line, but missing one of
/// its parts, fails here by name.
@Suite struct LayerKindCoverageTests {
  /// A valid spec whose flow starts with the kind's example layer; for a coupling a
  /// reversal and a second copy follow, so that every dimension is transformed.
  static func spec(_ kind: any LayerOptions.Type) throws -> String {
    let isCoupling = kind.keys.contains { $0.name == "keep" }
    let layers = "  - \(kind.example)" + (isCoupling ? "\n  - {kind: permutation, order: reverse}\n  - \(kind.example)" : "")
    guard let shape = kind.exampleShape else { return moonsSpec(flow: layers) }
    // An image flow reads a (tiny) data file of that shape.
    let count = shape.reduce(1, *)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-kind-\(kind.kind)-\(UUID().uuidString).npy").path
    try writeFileBytes(encodeNPY(Dataset(values: [Float](repeating: 0.5, count: 20 * count), count: 20, dimension: count, source: "test")),
                       to: path)
    return """
      shape: [\(shape.map(String.init).joined(separator: ", "))]
      prior: standard_normal
      templates:
        net: {hidden: [8], activation: tanh}
      flow:
      \(layers)
      data: {source: npy, path: \(path)}
      train: {steps: 10}
      """
  }

  static func doc(_ name: String) -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return (try? String(contentsOf: root.appendingPathComponent("docs/\(name)"), encoding: .utf8)) ?? ""
  }
  static let docs = doc("spec.md")
  static let checkpointDocs = doc("checkpoint.md")

  @Test(arguments: LayerKinds.names)
  func kindReachesEveryConsumer(_ name: String) throws {
    let kind = try #require(LayerKinds.named(name))
    let v = try graph(try Self.spec(kind))
    let node = try #require(v.graph.nodes.first)
    #expect(node.op.kind == name)

    // IR JSON: the node with its kind.
    guard case .object(let root) = graphJSON(v), case .array(let nodes)? = root.first(where: { $0.0 == "nodes" })?.1,
          case .object(let first)? = nodes.first else {
      Issue.record("no nodes in the IR JSON")
      return
    }
    #expect(first.contains { $0.0 == "kind" && $0.1 == .string(name) })
    // IR text: a line with the kind.
    #expect(emitIRText(v).contains("%0  \(name)"))

    // diff: the node's fields, and a change in one of them is seen.
    let fields = nodeFields(node)
    #expect(fields.contains { $0.name == "features" })

    // JSON Schema: a definition with the kind's keys.
    let schema = emitSpecSchema()
    #expect(schema.contains("\"layer.\(name)\""))
    #expect(schema.contains("\"const\": \"\(name)\""))
    for key in kind.keys { #expect(schema.contains("\"\(key.name)\""), "schema lacks \(name).\(key.name)") }

    // PyTorch export: a module for the node (Sources/FlowcExport/Kinds/), in the generated flow.py.
    #expect(node.op is any PyTorchExportable, "\(name) has no PyTorch exporter (Sources/FlowcExport/Kinds/)")
    let exported = try? exportPyTorch(v, origin: ExportOrigin(specText: "", specPath: "kind.yaml", overrides: [], flowcVersion: "test"))
    #expect(exported?["flow.py"]?.contains("# %0 \(name) ") == true, "\(name): flow.py does not build node %0")

    // Runtime: a bijector, whose inverse and log-det pass the numeric check.
    guard node.op is any BuildableLayer else {
      Issue.record("\(name) has no runtime layer (Sources/FlowcBuild/Kinds/)")
      return
    }
    let report = numericCheck(v)
    #expect(report.passed, "\(name): \(report.rows)")

    // docs/checkpoint.md: every tensor the kind's layer stores, by its documented name
    // (`layers.i.scale_net.k.weight` for the k-th linear layer of a net; its bias beside it).
    let flow = buildFlow(flowDescription(v, seed: 0), as: Double.self)
    for tensor in flow.namedTensors() where tensor.name.hasPrefix("layers.0.") {
      let local = String(tensor.name.dropFirst("layers.0.".count))
      let documented = local.split(separator: ".").map { $0.allSatisfy(\.isNumber) ? "k" : String($0) }.joined(separator: ".")
      if documented.contains(".k."), documented.hasSuffix(".bias") { continue }
      #expect(Self.checkpointDocs.contains("`layers.i.\(documented)`"), "docs/checkpoint.md lacks \(name)'s `layers.i.\(documented)`")
    }

    // docs/spec.md: a heading naming the kind, and every key.
    let headings = Self.docs.split(separator: "\n").filter { $0.hasPrefix("#") }
    #expect(headings.contains { $0.contains("`\(name)`") }, "docs/spec.md has no heading for `\(name)`")
    for key in kind.keys { #expect(Self.docs.contains("`\(key.name)`"), "docs/spec.md does not mention \(name)'s `\(key.name)`") }
  }

  @Test func everyKindHasOneName() {
    #expect(Set(LayerKinds.names).count == LayerKinds.all.count)
  }
}
