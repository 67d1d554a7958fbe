import FlowcDiagnostics
import FlowcIR
import FlowcSpec
import Foundation

/// Where an exported package came from: what its checkpoints carry in their metadata so
/// that flowc's readers rebuild the same graph (docs/checkpoint.md).
package struct ExportOrigin: Sendable {
  /// The spec file's text, exactly as flowc read it.
  package var specText: String
  /// Where it was read (for messages).
  package var specPath: String
  /// The `--set` overrides applied to it.
  package var overrides: [String]
  /// The flowc that exported it.
  package var flowcVersion: String
  /// Relative data paths are made absolute against this directory, so that train.py runs
  /// from anywhere.
  package var workingDirectory: String

  package init(specText: String, specPath: String, overrides: [String], flowcVersion: String,
               workingDirectory: String = FileManager.default.currentDirectoryPath) {
    self.specText = specText
    self.specPath = specPath
    self.overrides = overrides
    self.flowcVersion = flowcVersion
    self.workingDirectory = workingDirectory
  }
}

/// What the exporter cannot lower to PyTorch yet: layers by kind and node. (A conditional
/// flow's context exports: `core.ContextEncoder`, the networks' context weights and the
/// conditional prior.)
package struct ExportError: Error, CustomStringConvertible {
  package var nodes: [GraphNode]
  package init(nodes: [GraphNode]) {
    self.nodes = nodes
  }

  /// The problems of `g`, or nil when it exports.
  package init?(exporting g: FlowGraph) {
    let missing = g.nodes.filter { !($0.op is any PyTorchExportable) }
    guard !missing.isEmpty else { return nil }
    self.init(nodes: missing)
  }

  package var description: String {
    let kinds = nodes.map { "%\($0.index) \($0.op.kind) ('\($0.name)', \($0.range.description))" }
    return "no PyTorch exporter for \(kinds.joined(separator: ", ")); add one in Sources/FlowcExport/Kinds/ (docs/architecture.md)"
  }
}

/// The files of an exported package, by name, in the order they are written.
package struct PyTorchPackage: Sendable {
  package var files: [(name: String, contents: String)]

  /// The text of file `name`.
  package subscript(name: String) -> String? { files.first { $0.name == name }?.contents }

  /// Writes every file into `directory` (created if needed), each atomically.
  package func write(to directory: String) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for file in files {
      try Data(file.contents.utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent(file.name), options: .atomic)
    }
  }
}

/// The export stage: a validated graph becomes a self-contained Python package that builds,
/// trains and evaluates the same flow on PyTorch (docs/scale-out.md). Every node goes
/// through its kind's `PyTorchExportable` conformance (`Kinds/`); nothing is read from the
/// YAML text, which is only carried along for the checkpoints' metadata.
///
/// - Throws: `ExportError` naming the nodes whose kinds have no exporter.
package func exportPyTorch(_ v: ValidatedGraph, origin: ExportOrigin) throws -> PyTorchPackage {
  let g = v.graph
  if let problem = ExportError(exporting: g) { throw problem }
  let modules = g.nodes.map { ($0.op as! any PyTorchExportable).pytorchModule($0) }
  let prior = priorModule(g)

  var imports: [PyTorchFamily: Set<String>] = [:]
  for (family, name) in (modules + [prior]).flatMap(\.imports) { imports[family, default: []].insert(name) }
  // The families the flow's modules name, and those their files import.
  let families = Set(imports.keys.flatMap { [$0] + $0.dependencies }).sorted()

  let header = "# Part of the PyTorch export of the flow '\(g.name)' by flowc \(origin.flowcVersion), from \(origin.specPath)"
    + (origin.overrides.isEmpty ? "" : " with --set \(origin.overrides.joined(separator: " --set "))") + ".\n"
  var files: [(String, String)] = [
    ("README.md", readme(v, origin: origin, families: families)),
    ("flow.py", flowFile(v, origin: origin, modules: modules, prior: prior, imports: imports)),
    ("config.py", configFile(v, origin: origin)),
  ]
  files += families.map { ($0.fileName, header + PythonSources.source($0)) }
  files += PythonSources.common.map { ($0.name, header + $0.text) }
  files += [("spec.yaml", origin.specText), ("resolved.json", emitGraphJSON(v) + "\n"), ("ir.txt", emitIRText(v))]
  return PyTorchPackage(files: files)
}

/// The prior's module in `priors.py`.
func priorModule(_ g: FlowGraph) -> PythonExpr {
  let d = PythonExpr.int(g.prior.dimension)
  switch g.prior.kind.value {
  case .standardNormal: return .module(.priors, "StandardNormal", [d])
  case .diagonalNormal: return .module(.priors, "DiagonalNormal", [d])
  case .logistic: return .module(.priors, "StandardLogistic", [d])
  case .conditionalNormal: return .module(.priors, "ConditionalNormal", [d], [("context", .int(g.prior.contextWidth))])
  }
}

/// A conditional flow's context encoder in `core.py` (`ContextEncoder("one_hot", 10, classes=10)`),
/// or nil for an unconditional flow.
func contextModule(_ g: FlowGraph) -> PythonExpr? {
  guard let c = g.settings.data.context else { return nil }
  let encoding: String
  if c.isColumns {
    encoding = c.standardize.value ? "standardized" : "identity"
  } else {
    switch c.encoding.value {
    case .oneHot: encoding = "one_hot"
    case .embedding: encoding = "embedding"
    case .identity: encoding = "identity"
    }
  }
  var kwargs: [(String, PythonExpr)] = []
  if !c.isColumns { kwargs.append(("classes", .int(c.numClasses.value))) }
  return .call(nil, "ContextEncoder", [.string(encoding), .int(c.width)], kwargs)
}

/// The docstring's description of where the package came from.
func provenance(_ g: FlowGraph, origin: ExportOrigin) -> String {
  var text = "Exported by flowc \(origin.flowcVersion) from \(origin.specPath)"
  if !origin.overrides.isEmpty { text += " with --set " + origin.overrides.joined(separator: " --set ") }
  return text
}

// MARK: - flow.py

func flowFile(_ v: ValidatedGraph, origin: ExportOrigin, modules: [PythonExpr], prior: PythonExpr,
              imports: [PyTorchFamily: Set<String>]) -> String {
  let g = v.graph
  let shape = g.shape.map { PythonExpr.ints($0.value.map(\.value)) } ?? .none
  var out = """
    \"\"\"The flow '\(g.name)': \(g.nodes.count) layer\(g.nodes.count == 1 ? "" : "s"), \(formatCount(v.estimate.parameters)) \
    parameters, dimension \(g.dimension.value), \(g.dtype.rawValue).

    \(provenance(g, origin: origin)),
    generated from its validated graph (ir.txt is the `flowc check --emit ir` printout of the
    same graph). Do not edit: export again instead.

    Node %i is `layers[i]`; its tensors are named `layers.<i>.<name>` in the state dict, as in
    flowc's checkpoints (docs/checkpoint.md), so a checkpoint of either engine loads in the other.
    \"\"\"

    import torch

    from core import \(g.settings.data.context == nil ? "Flow" : "ContextEncoder, Flow")

    """
  for family in imports.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
    out += "from \(family.rawValue) import \(imports[family]!.sorted().joined(separator: ", "))\n"
  }
  out += """

    NAME = \(PythonExpr.quote(g.name))
    DIMENSION = \(g.dimension.value)
    #: The data's declared shape (`shape:` in the spec), or None.
    SHAPE = \(shape.renderFlat())
    DTYPE = torch.\(g.dtype.rawValue)
    #: The nodes' names, by index.
    NODES = \(PythonExpr.list(g.nodes.map { .string($0.name) }).render(column: 8))


    def build_flow():
        \"\"\"The flow with fresh weights (flowc's initialisation scheme), in DTYPE.\"\"\"
        layers = [

    """
  for (node, module) in zip(g.nodes, modules) {
    let what = [node.op.irColumns.0, node.op.irColumns.1].filter { !$0.isEmpty }.joined(separator: "  ")
    out += "        # %\(node.index) \(node.op.kind) '\(node.name)' (\(node.range.description)): \(node.inputShape) -> \(node.outputShape)"
    out += ", \(formatCount(node.parameterCount)) params\n"
    if !what.isEmpty { out += "        #   \(what)\n" }
    out += "        " + module.render(indent: 8) + ",\n"
  }
  out += """
        ]
        # prior \(g.prior.kind.value.rawValue), \(formatCount(g.prior.parameterCount)) params
        prior = \(prior.render(indent: 4, column: 12))

    """
  if let context = contextModule(g), let c = g.settings.data.context {
    out += """
          # context \(c.description), \(formatCount(c.parameterCount)) params: what every conditioned network
          # (`context.weight`) and the conditional prior read
          context = \(context.render(indent: 4, column: 14))
          return Flow(layers, prior, dimension=DIMENSION, shape=SHAPE, names=NODES, context=context).to(DTYPE)

      """
  } else {
    out += """
          return Flow(layers, prior, dimension=DIMENSION, shape=SHAPE, names=NODES).to(DTYPE)

      """
  }
  return out
}

// MARK: - config.py

func configFile(_ v: ValidatedGraph, origin: ExportOrigin) -> String {
  let g = v.graph
  guard case .object(let root) = graphJSON(v), case .object(var settings)? = root.first(where: { $0.0 == "settings" })?.1 else {
    preconditionFailure("the IR JSON always has settings")
  }
  // Relative data paths, made absolute against the directory flowc ran in.
  settings = settings.map { key, value in
    guard key == "data", case .object(let data) = value else { return (key, value) }
    return (key, .object(data.map { k, x in
      guard ["path", "test_path", "labels", "test_labels"].contains(k), case .string(let p) = x, !p.hasPrefix("/") else { return (k, x) }
      return (k, .string(URL(fileURLWithPath: origin.workingDirectory).appendingPathComponent(p).standardized.path))
    }))
  }
  return """
    \"\"\"The run's settings: `data`, `train`, `eval` and `limits` of '\(g.name)' with every default
    filled in (the `settings` of `flowc check --emit json`; relative data paths made absolute),
    and what every checkpoint records about the package's origin.

    \(provenance(g, origin: origin)).
    \"\"\"

    import os

    from flow import DIMENSION, NAME, SHAPE  # noqa: F401

    FLOWC_VERSION = \(PythonExpr.quote(origin.flowcVersion))
    SPEC_PATH = \(PythonExpr.quote(origin.specPath))
    #: The --set overrides of the export; train.py's --steps and --seed add their own.
    OVERRIDES = \(PythonExpr.list(origin.overrides.map { .string($0) }).render(column: 12))
    #: Whether `data.seed` defaults to `train.seed` (so that --seed changes both).
    DATA_SEED_FOLLOWS_TRAIN_SEED = \(g.settings.data.seed.isDefault ? "True" : "False")

    SETTINGS = \(PythonExpr(json: .object(settings)).render(column: 11))

    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "spec.yaml"), encoding="utf-8", newline="") as _f:
        SPEC_TEXT = _f.read()

    #: What a checkpoint's metadata records (train.py adds the resolved graph).
    PACKAGE = {"flowc_version": FLOWC_VERSION, "spec_text": SPEC_TEXT, "spec_path": SPEC_PATH, "overrides": OVERRIDES}

    """
}
