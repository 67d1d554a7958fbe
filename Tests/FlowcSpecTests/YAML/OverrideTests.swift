import FlowcDiagnostics
import Testing

@testable import FlowcSpec

/// `--set key.path=value` and every `bad-override` message. They come from the command
/// line, not from a file, so no fixture can carry them (`DiagnosticCatalogs.withoutFixture`).
@Suite struct OverrideTests {
  /// Parses `text` as an override and applies it to `yaml`; the diagnostics in order.
  func apply(_ text: String, to yaml: String) -> (document: YAMLDocument, diagnostics: [Diagnostic]) {
    let engine = DiagnosticEngine()
    let document = YAMLParser().parse(SourceFile(path: "spec.yaml", text: yaml), diagnostics: engine)
    let overrides = Override.parse(text, diagnostics: engine).map { [$0] } ?? []
    return (applyOverrides(overrides, to: document, diagnostics: engine), engine.diagnostics)
  }

  @Test func withoutAnEqualsSign() {
    for text in ["train.lr", "=3e-4"] {
      let d = apply(text, to: "dim: 2\n").diagnostics
      #expect(d.map(\.description) == ["error: '--set \(text)' is not of the form key.path=value [bad-override]"])
      #expect(d.first?.suggestion == "for example --set train.lr=3e-4")
    }
  }

  @Test func anEmptyKeyBetweenDots() {
    let d = apply("train..lr=3e-4", to: "dim: 2\n").diagnostics
    #expect(d.map(\.description) == ["error: 'train..lr' has an empty key between dots [bad-override]"])
  }

  @Test func anIndexPastTheList() {
    let d = apply("flow.9.keep=[1, 0]", to: "flow:\n  - {kind: actnorm}\n").diagnostics
    #expect(d.map(\.description)
      == ["--set flow.9.keep:1:1: error: cannot set 'flow.9.keep': '9' is not an index of this 1-entry list [bad-override]"])
  }

  @Test func aKeyUnderAPlainValue() {
    let d = apply("dim.rows=3", to: "dim: 2\n").diagnostics
    #expect(d.map(\.description)
      == ["--set dim.rows:1:1: error: cannot set 'dim.rows': 'rows' is under a plain value, not a mapping [bad-override]"])
  }

  @Test func aValidOverrideReplacesTheValue() {
    let (document, d) = apply("train.lr=0.1", to: "train: {lr: 0.001}\n")
    #expect(d.isEmpty)
    let train = document.root?.mapping?.first { $0.name == "train" }?.value
    #expect(train?.mapping?.first { $0.name == "lr" }?.value.scalar?.value == "0.1")
  }

  /// A null value removes the key (`--unset train.epochs` is `--set train.epochs=~`), so
  /// a spec with `epochs:` can be switched to `steps:` from the command line.
  @Test(arguments: ["train.epochs=~", "train.epochs=null", "train.epochs="]) func aNullValueRemovesTheKey(text: String) {
    let (document, d) = apply(text, to: "train: {epochs: 3, lr: 0.1}\n")
    #expect(d.isEmpty, "\(d)")
    let train = document.root?.mapping?.first { $0.name == "train" }?.value
    #expect(train?.mapping?.map(\.name) == ["lr"])
  }

  @Test func removingAListEntryAndANestedKey() {
    let (document, d) = apply("flow.0=~", to: "flow:\n  - {kind: actnorm}\n  - {kind: batch_norm}\n")
    #expect(d.isEmpty)
    #expect(document.root?.mapping?.first { $0.name == "flow" }?.value.sequence?.count == 1)
    let nested = apply("data.preprocess.logit_alpha=~", to: "data: {preprocess: {logit_alpha: 0.05, dequantize: true}}\n")
    #expect(nested.diagnostics.isEmpty)
  }

  /// Removing a key that is not there is an error, so a typo never silently does nothing.
  @Test func removingAKeyThatIsNotThere() {
    let d = apply("train.epoch=~", to: "train: {epochs: 3}\n").diagnostics
    #expect(d.map(\.description)
      == ["--set train.epoch:1:1: error: cannot remove 'train.epoch': there is no key 'epoch' to remove [bad-override]"])
    let under = apply("dim.rows=~", to: "dim: 2\n").diagnostics
    #expect(under.map(\.description)
      == ["--set dim.rows:1:1: error: cannot remove 'dim.rows': 'rows' is under a plain value, not a mapping [bad-override]"])
  }
}
