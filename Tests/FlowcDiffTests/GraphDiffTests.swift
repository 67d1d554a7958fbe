import FlowcDiagnostics
import FlowcDiff
import FlowcTestSupport
import FlowcIR
import Testing

/// `diffGraphs` on graphs checked from inline YAML.
@Suite struct GraphDiffTests {
  /// Twelve alternating affine couplings written out, `extra` layers spliced in after
  /// the sixth, with settings `train` and prior `prior`.
  static func twelve(hidden: Int = 8, insertAfterSix: String = "", masks: [String]? = nil, prior: String = "standard_normal",
                     train: String = "{steps: 10, lr: 1e-3}") -> String {
    var layers: [String] = []
    for i in 0..<12 {
      let mask = masks?[i] ?? (i % 2 == 0 ? "[0, 1]" : "[1, 0]")
      layers.append("  - {kind: affine_coupling, keep: \(mask), scale: net, shift: net}")
      if i == 5, !insertAfterSix.isEmpty { layers.append("  - \(insertAfterSix)") }
    }
    return """
      dim: 2
      prior: \(prior)
      templates:
        net: {hidden: [\(hidden)], activation: tanh}
      flow:
      \(layers.joined(separator: "\n"))
      data: {source: moons}
      train: \(train)
      """
  }

  static func diff(_ a: String, _ b: String) throws -> GraphDiff {
    diffGraphs(try graph(a), try graph(b))
  }

  @Test func sameSpecIsEqual() throws {
    let d = try Self.diff(Self.twelve(), Self.twelve())
    #expect(d.isEqual)
    #expect(d.layers.count == 12)
  }

  @Test func changedMask() throws {
    var masks = (0..<12).map { $0 % 2 == 0 ? "[0, 1]" : "[1, 0]" }
    masks[3] = "[0, 1]"
    let d = try Self.diff(Self.twelve(), Self.twelve(masks: masks))
    #expect(!d.isEqual)
    let changes = d.layerChanges
    #expect(changes.count == 1)
    let c = try #require(changes.first)
    #expect(c.change == .changed && c.before?.index == 3 && c.after?.index == 3)
    #expect(c.fields.map(\.name) == ["mask"])
    #expect(c.fields[0].before == "keeps 0 · transforms 1")
    #expect(c.fields[0].after == "keeps 1 · transforms 0")
    // Both sides are located: the layer's keep: value (line 9 of the snippet).
    #expect(c.fields[0].beforeLocation.description == "snippet.yaml:9:35")
    #expect(c.fields[0].afterLocation.description == "snippet.yaml:9:35")
    #expect(d.settings.isEmpty)
  }

  @Test func insertedLayerInTheMiddleIsOneInsertion() throws {
    let d = try Self.diff(Self.twelve(), Self.twelve(insertAfterSix: "{kind: permutation, order: reverse}"))
    let changes = d.layerChanges
    #expect(changes.count == 1)
    #expect(changes.first?.change == .inserted)
    #expect(changes.first?.after?.index == 6)
    #expect(changes.first?.after?.kind == "permutation")
    #expect(d.layers.count { $0.change == .same } == 12)
    #expect(d.after.layers == 13)
  }

  @Test func insertedCouplingOfTheSameKindIsOneInsertion() throws {
    let d = try Self.diff(Self.twelve(), Self.twelve(insertAfterSix: "{kind: affine_coupling, keep: [1, 0], scale: net, shift: net}"))
    #expect(d.layerChanges.count == 1)
    #expect(d.layerChanges.first?.change == .inserted)
  }

  @Test func removedLayer() throws {
    let d = try Self.diff(Self.twelve(insertAfterSix: "{kind: actnorm}"), Self.twelve())
    let changes = d.layerChanges
    #expect(changes.count == 1)
    #expect(changes.first?.change == .removed)
    #expect(changes.first?.before?.index == 6 && changes.first?.before?.kind == "actnorm")
    #expect(d.parametersChange == (4 + 12 * 2 * 42, 12 * 2 * 42))
  }

  @Test func changedHiddenSizeShowsParameterCounts() throws {
    let d = try Self.diff(Self.twelve(hidden: 8), Self.twelve(hidden: 16))
    #expect(d.layerChanges.count == 12)
    #expect(d.layerChanges.allSatisfy { $0.change == .changed && $0.fields.map(\.name) == ["scale.widths", "shift.widths"] })
    #expect(d.layerChanges[0].fields[0].before == "2-8-2" && d.layerChanges[0].fields[0].after == "2-16-2")
    // Each net: (2+1)*h + (h+1)*2.
    #expect(d.before.parameters == 12 * 2 * (3 * 8 + 9 * 2))
    #expect(d.after.parameters == 12 * 2 * (3 * 16 + 17 * 2))
    let text = renderDiffText(d, color: false)
    #expect(text.contains("parameters          1,008 → 1,968 (+960)"), "\(text)")
    #expect(!text.contains("\u{1B}["))
  }

  @Test func changedPrior() throws {
    let d = try Self.diff(Self.twelve(), Self.twelve(prior: "diagonal_normal"))
    #expect(d.layerChanges.isEmpty)
    #expect(d.settings.map(\.name) == ["prior"])
    #expect(d.settings[0].before == "standard_normal" && d.settings[0].after == "diagonal_normal")
    #expect(d.settings[0].beforeLocation.description == "snippet.yaml:2:8")
    #expect(d.after.parameters == d.before.parameters + 4)
  }

  @Test func changedLearningRate() throws {
    let d = try Self.diff(Self.twelve(train: "{steps: 10, lr: 1e-3}"), Self.twelve(train: "{steps: 10, lr: 3e-4}"))
    #expect(d.settings.map(\.name) == ["train.lr"])
    #expect(d.settings[0].before == "0.001" && d.settings[0].after == "0.0003")
    #expect(d.settings[0].afterLocation.description.hasPrefix("snippet.yaml:19:"))
  }

  @Test func defaultAgainstWrittenLocation() throws {
    let d = try Self.diff(Self.twelve(train: "{steps: 10}"), Self.twelve(train: "{steps: 10, lr: 3e-4}"))
    #expect(d.settings.map(\.name) == ["train.lr"])
    #expect(d.settings[0].beforeLocation.isDefault)
    #expect(d.settings[0].beforeLocation.description.hasSuffix("(default)"))
    #expect(!d.settings[0].afterLocation.isDefault)
  }

  // MARK: - Means the same

  @Test func repeatEqualsWrittenOut() throws {
    let repeated = Self.twelve().replacingOccurrences(
      of: Self.twelve().components(separatedBy: "flow:\n")[1].components(separatedBy: "data:")[0],
      with: """
          - repeat: 6
            layers:
              - {kind: affine_coupling, keep: [0, 1], scale: net, shift: net}
              - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}

        """)
    #expect(repeated.contains("repeat: 6"))
    #expect(try Self.diff(Self.twelve(), repeated).isEqual)
  }

  @Test func maskGeneratorEqualsExplicitVector() throws {
    let generated = (0..<12).map { $0 % 2 == 0 ? "[0, 1]" : "flip" }
    #expect(try Self.diff(Self.twelve(), Self.twelve(masks: generated)).isEqual)
    let even = (0..<12).map { $0 % 2 == 0 ? "even" : "odd" }
    let explicit = (0..<12).map { $0 % 2 == 0 ? "[1, 0]" : "[0, 1]" }
    #expect(try Self.diff(Self.twelve(masks: even), Self.twelve(masks: explicit)).isEqual)
  }

  @Test func keyOrderAndCommentsDoNotMatter() throws {
    let a = moonsSpec(flow: "  - {kind: affine_coupling, keep: [0, 1], scale: net, shift: net}\n  - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}")
    let b = """
      # the same flow, keys in another order
      train: {steps: 10}   # ten steps
      flow:
        - {shift: net, scale: net, keep: [0, 1], kind: affine_coupling}
        - {kind: affine_coupling, keep: flip, shift: net, scale: net}
      data: {source: moons}
      templates:
        net: {activation: tanh, hidden: [8, 8]}
      prior: standard_normal
      dim: 2
      """
    #expect(try Self.diff(a, b).isEqual)
  }

  @Test func defaultWrittenOutEqualsImplicit() throws {
    let a = moonsSpec(flow: "  - {kind: affine_coupling, keep: [0, 1], scale: net, shift: net}\n  - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}")
    let b = moonsSpec(flow: "  - {kind: affine_coupling, keep: [0, 1], scale: net, shift: net, net_io: masked, scale_function: exp}\n  - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}",
                      extra: "eval: {seed: 1000003}\nlimits: {memory: 4 GiB}")
    let d = try Self.diff(a, b)
    #expect(d.isEqual, "\(d.settings.map(\.name)) \(d.layerChanges.map(\.fields).flatMap { $0 }.map(\.name))")
  }

  @Test func numberSpellingsAreEqual() throws {
    #expect(try Self.diff(Self.twelve(train: "{steps: 10, lr: 1e-4}"), Self.twelve(train: "{steps: 10, lr: 0.0001}")).isEqual)
  }

  @Test func layerNamesAndTemplateNamesAreNotDifferences() throws {
    let a = moonsSpec(flow: "  - {kind: affine_coupling, keep: [0, 1], scale: net, shift: net}\n  - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}")
    let b = """
      dim: 2
      prior: standard_normal
      templates:
        other: {hidden: [8, 8], activation: tanh}
      flow:
        - {kind: affine_coupling, name: affine_coupling0, keep: [0, 1], scale: other, shift: {hidden: [8, 8], activation: tanh}}
        - {kind: affine_coupling, keep: [1, 0], scale: other, shift: other}
      data: {source: moons}
      train: {steps: 10}
      """
    #expect(try Self.diff(a, b).isEqual)
  }

  @Test func jsonHasStableKeys() throws {
    let d = try Self.diff(Self.twelve(), Self.twelve(insertAfterSix: "{kind: actnorm}", train: "{steps: 10, lr: 2e-3}"))
    let json = diffJSON(d).serialized()
    #expect(json.hasPrefix("{\n  \"format\": \"flowc-diff\",\n  \"version\": 1,\n  \"equal\": false,"))
    #expect(json.contains("\"change\": \"inserted\""))
    #expect(json.contains("\"field\": \"train.lr\""))
  }

  @Test func thousandLayersAlignAsOneInsertion() throws {
    func spec(insert: Bool) -> String {
      var layers: [String] = []
      for i in 0..<1000 {
        layers.append("  - {kind: affine_coupling, keep: \(i % 2 == 0 ? "[0, 1]" : "[1, 0]"), scale: net, shift: net}")
        if insert, i == 499 { layers.append("  - {kind: affine_coupling, keep: [0, 1], scale: net, shift: net}") }
      }
      return moonsSpec(flow: layers.joined(separator: "\n"))
    }
    let d = try Self.diff(spec(insert: false), spec(insert: true))
    #expect(d.layerChanges.count == 1 && d.layerChanges[0].change == .inserted)
  }
}

extension GraphDiff {
  /// (before, after) parameter counts.
  var parametersChange: (Int, Int) { (before.parameters, after.parameters) }
}
