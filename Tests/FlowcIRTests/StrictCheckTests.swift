import FlowcDiagnostics
import FlowcIR
import FlowcSpec
import FlowcTestSupport
import Foundation
import Testing

/// Issue #14's front-end defects: the first diagnostic is the real one, the budget counts
/// every buffer and names its largest part, copies of a random permutation differ, and
/// hostile sizes stay cheap.
@Suite struct StrictCheckTests {
  /// The diagnostics of `yaml`, as "line:column id" in sorted order.
  func found(_ yaml: String) -> [String] {
    check(yaml).diagnostics.sorted.map { "\($0.range?.start.line ?? 0):\($0.range?.start.column ?? 0) \($0.id)" }
  }

  // MARK: - The real problem first

  /// `kepe:` for `keep`: one message, the typo, saying that the key it means is missing.
  @Test func aTypoOfARequiredKeyIsReportedAsTheTypo() throws {
    let result = check(moonsSpec(flow: """
        - {kind: affine_coupling, kepe: [1, 0], scale: net, shift: net}
        - {kind: affine_coupling, keep: flip, scale: net, shift: net}
      """))
    let all = result.diagnostics.sorted
    #expect(all.map(\.id) == ["unknown-key"], "\(all)")
    #expect(all.first?.suggestion == "did you mean 'keep'? 'keep' is required here and missing")
    // A missing key that no unknown key is a typo of is still reported.
    let missing = check(moonsSpec(flow: """
        - {kind: affine_coupling, scale: net, shift: net, extra: 1}
        - {kind: affine_coupling, keep: flip, scale: net, shift: net}
      """)).diagnostics.sorted.map(\.id)
    #expect(missing.sorted() == ["missing-key", "unknown-key"])
  }

  /// `shape: [4, -4]`: the bad entry, not "'dim' is 0" nor a toy source's dimension 0.
  @Test func aBadShapeEntryIsTheOnlyError() {
    let yaml = "shape: [4, -4]\nprior: standard_normal\nflow:\n  - {kind: actnorm}\ndata: {source: moons}\ntrain: {steps: 10}\n"
    #expect(found(yaml) == ["1:12 value-range"])
    let withDim = "dim: 2\n" + yaml
    #expect(found(withDim) == ["2:12 value-range"])
    #expect(found("dim: 0\nprior: standard_normal\nflow:\n  - {kind: actnorm}\ndata: {source: moons}\ntrain: {steps: 10}\n")
      == ["1:6 value-range"])
  }

  /// `dim: 700` with `shape: [28, 28]` and a checkerboard: the size mismatch, not a
  /// complaint about 'flip' (regression test; main already said this before #14's fixes).
  @Test func aShapeThatDisagreesWithDimIsSaidFirst() {
    let yaml = """
      dim: 700
      shape: [28, 28]
      prior: standard_normal
      templates: {n: {hidden: [8]}}
      flow:
        - {kind: affine_coupling, keep: checkerboard, scale: n, shift: n}
        - {kind: affine_coupling, keep: flip, scale: n, shift: n}
      data: {source: idx, path: /nonexistent/train-images-idx3-ubyte}
      train: {steps: 10}
      """
    #expect(found(yaml) == ["2:8 shape-dimension"])
  }

  // MARK: - The memory budget

  /// The budget error points at the part that makes the spec too large, and names it.
  @Test func theBudgetNamesItsLargestPart() throws {
    func budget(_ yaml: String) throws -> Diagnostic {
      try #require(check(yaml).diagnostics.sorted.first { $0.id == "resource-budget" }, "no resource-budget for\n\(yaml)")
    }
    let wide = try budget(moonsSpec(flow: """
        - {kind: affine_coupling, keep: [1, 0], scale: huge, shift: huge}
        - {kind: affine_coupling, keep: flip, scale: huge, shift: huge}
      """).replacingOccurrences(of: "templates:\n", with: "templates:\n  huge: {hidden: [20000, 30000]}\n"))
    // At the widest hidden width: `30000` in `  huge: {hidden: [20000, 30000]}`.
    #expect(wide.range?.start == SourceLocation(line: 4, column: 26), "\(wide)")
    #expect(wide.message.contains("the largest part is the scale network of layer %0"), "\(wide.message)")
    #expect(wide.message.contains("(hidden width 30,000)"))

    let batch = try budget(moonsSpec(flow: """
        - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}
        - {kind: affine_coupling, keep: flip, scale: net, shift: net}
      """).replacingOccurrences(of: "train: {steps: 10}", with: "train: {steps: 10, batch_size: 100000000}"))
    #expect(batch.message.contains("the largest part is the activations of a training batch of 100,000,000 ('batch_size')"))
    #expect(batch.range?.start.line == 9)
  }

  /// Sizes that used to pass `check` and crash `run` (SIGSEGV, a failed 4 TB allocation,
  /// an overflow trap) are budget errors at the size, with saturating arithmetic.
  @Test(arguments: [
    ("eval: {test_size: 9223372036854775807}", "the test set ('test_size') of 9,223,372,036,854,775,807 points"),
    ("eval: {test_size: 1000000000000}", "the test set ('test_size') of 1,000,000,000,000 points"),
    ("data: {source: moons, validation_size: 9223372036854775807}", "the validation set ('validation_size')"),
    ("data: {source: moons, fresh: false, train_size: 9223372036854775807}", "the training set ('train_size')"),
    ("eval: {batch_size: 9223372036854775807}", "an evaluation batch of 9,223,372,036,854,775,807 rows"),
  ])
  func hugeSizesAreBudgetErrors(setting: String, part: String) throws {
    var yaml = moonsSpec(flow: """
        - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}
        - {kind: affine_coupling, keep: flip, scale: net, shift: net}
      """)
    if setting.hasPrefix("data:") { yaml = yaml.replacingOccurrences(of: "data: {source: moons}", with: setting) } else { yaml += "\n" + setting }
    let result = check(yaml)
    let d = try #require(result.diagnostics.sorted.first { $0.id == "resource-budget" }, "\(result.diagnostics.sorted)")
    #expect(d.message.contains("the largest part is \(part)"), "\(d.message)")
    #expect(result.validated == nil)
  }

  /// `eval.samples` beyond what samples.npy may hold is an error before training (it
  /// used to trap after training, leaving run.json at "running").
  @Test func tooManySamplesForTheRunDirectory() throws {
    let yaml = moonsSpec(flow: """
        - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}
        - {kind: affine_coupling, keep: flip, scale: net, shift: net}
      """, extra: "eval: {samples: 4611686018427387904}")
    let d = try #require(check(yaml).diagnostics.sorted.first)
    #expect(d.id == "value-range")
    #expect(d.message.hasPrefix("'samples' is 4611686018427387904; it must be at most 134,217,728"), "\(d.message)")
  }

  // MARK: - Settings

  /// A warm-up as long as the run is refused whatever the schedule, the constant one too
  /// (it used to train at lr 1e-20 throughout).
  @Test func warmupLongerThanAConstantScheduleRun() throws {
    let yaml = moonsSpec(flow: """
        - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}
        - {kind: affine_coupling, keep: flip, scale: net, shift: net}
      """).replacingOccurrences(of: "train: {steps: 10}", with: "train: {steps: 10, warmup_steps: 10, schedule: constant}")
    let d = try #require(check(yaml).diagnostics.sorted.first)
    #expect(d.id == "value-range")
    #expect(d.message == "'warmup_steps' is 10; it must be fewer than the 10 steps of the run (constant schedule)")
  }

  // MARK: - Random permutations

  /// Each copy a repeat makes of `order: random` is its own permutation; the first copy
  /// (and a permutation outside a repeat) keeps the written seed's order.
  @Test func randomPermutationsDifferPerRepeatCopy() throws {
    let v = try graph(moonsSpec(flow: """
        - repeat: 2
          layers:
            - repeat: 3
              layers:
                - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}
                - {kind: affine_coupling, keep: flip, scale: net, shift: net}
                - {kind: permutation, order: random, seed: 5}
      """))
    let orders = v.graph.nodes.compactMap { $0.op as? PermutationOp }
    #expect(orders.count == 6)
    #expect(orders[0].origin == "random(seed 5)")
    #expect(orders[1].origin.hasSuffix("copy 2 of seed 5)"))
    #expect(orders[5].origin.hasSuffix("copy 6 of seed 5)"))
    // Seeds differ per copy, and the origin's seed gives the same order when written.
    let seeds = Set(orders.map(\.origin))
    #expect(seeds.count == 6)
    let single = try graph(moonsSpec(flow: """
        - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}
        - {kind: affine_coupling, keep: flip, scale: net, shift: net}
        - {kind: permutation, order: random, seed: 5}
      """))
    #expect((single.graph.nodes[2].op as? PermutationOp)?.order == orders[0].order)
  }

  /// With a wider flow the copies are visibly different orders.
  @Test func randomPermutationCopiesAreDifferentOrders() throws {
    let yaml = """
      dim: 64
      prior: standard_normal
      flow:
        - repeat: 4
          layers:
            - {kind: actnorm}
            - {kind: permutation, order: random}
      data: {source: csv, path: /nonexistent/x.csv}
      train: {steps: 10}
      """
    let v = try graph(yaml)
    let orders = v.graph.nodes.compactMap { ($0.op as? PermutationOp)?.order }
    #expect(orders.count == 4 && Set(orders).count == 4)
    for o in orders { #expect(o.sorted() == Array(0..<64)) }
  }

  // MARK: - Hostile sizes stay cheap

  /// Past the error limit no did-you-mean is computed: a 300,000-key mapping used to
  /// spend a minute (debug build) suggesting keys for messages nobody sees.
  @Test func suggestionsStopAtTheErrorLimit() {
    var yaml = moonsSpec(flow: """
        - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}
        - {kind: affine_coupling, keep: flip, scale: net, shift: net}
      """).replacingOccurrences(of: "train: {steps: 10}", with: "train:\n  steps: 10")
    for i in 0..<200 { yaml += "\n  lrx\(i): 1" }
    let result = Pipeline.check(source: SourceFile(path: "keys.yaml", text: yaml), options: Pipeline.Options(suggestionLimit: 20))
    let unknown = result.diagnostics.sorted.filter { $0.id == "unknown-key" }
    #expect(unknown.count == 200)
    #expect(unknown.prefix(20).allSatisfy { $0.suggestion != nil })
    #expect(unknown.dropFirst(20).allSatisfy { $0.suggestion == nil })
    // 0: every diagnostic gets one.
    let all = Pipeline.check(source: SourceFile(path: "keys.yaml", text: yaml), options: Pipeline.Options(suggestionLimit: 0))
    #expect(all.diagnostics.sorted.filter { $0.id == "unknown-key" }.allSatisfy { $0.suggestion != nil })
  }

  /// A generated order of 2^24 entries is a bijection by construction; only an explicit
  /// one is checked entry by entry (the check used to build sets of 16 M entries).
  @Test func aHugeRandomOrderChecks() throws {
    let yaml = """
      dim: 16777216
      prior: standard_normal
      flow:
        - {kind: actnorm}
        - {kind: permutation, order: random}
        - {kind: actnorm}
      data: {source: csv, path: /nonexistent/x.csv}
      train: {steps: 10, batch_size: 1}
      eval: {batch_size: 1, samples: 1}
      limits: {memory: 100GB}
      """
    let started = Date()
    let v = try graph(yaml)
    #expect(v.graph.nodes.count == 3)
    #expect((v.graph.nodes[1].op as? PermutationOp)?.order.count == 1 << 24)
    // A hang guard only (tests never time): a debug build takes a few seconds, 50 before
    // the permutation kernel; bench/check-scale.sh measures the release build.
    #expect(Date().timeIntervalSince(started) < 120)
  }
}
