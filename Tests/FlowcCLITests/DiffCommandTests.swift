import Foundation
import Testing

/// `flowc diff` and `flowc runs` run as a user would: on spec files and on real run
/// directories made by `flowc run` (tiny flows, a few steps).
@Suite(.serialized) struct DiffCommandTests {
  /// The tiny Real NVP of RunCommandTests, 40 steps, 200 test points.
  static func tinySpec(steps: Int = 40) -> String {
    RunCommandTests.tinySpec(steps: steps).replacingOccurrences(of: "eval: {test_size: 500, samples: 50}",
                                                               with: "eval: {test_size: 200, samples: 10}")
  }

  /// Three completed runs in one folder (the spec as is, lr 1e-2, seed 4) and an
  /// interrupted one in another, made once for the whole suite.
  struct Runs {
    var root: String
    var plain: String
    var lr: String
    var seed: String
    var interrupted: String
  }

  nonisolated(unsafe) static var made: Runs?

  static func runs() throws -> Runs {
    if let made { return made }
    let spec = try FlowcBinary.temporaryFile("tiny.yaml", Array(tinySpec().utf8))
    let base = (spec as NSString).deletingLastPathComponent
    let root = "\(base)/runs"
    var dirs: [String] = []
    for extra in [[], ["--set", "train.lr=1e-2"], ["--set", "train.seed=4"]] {
      let r = try FlowcBinary.run(["run", spec, "--out", root, "--threads", "1", "--quiet"] + extra)
      #expect(r.status == 0, "\(r.stderr)")
      let names = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
      dirs.append("\(root)/\(try #require(names.first { !dirs.contains("\(root)/\($0)") }))")
    }
    let long = try FlowcBinary.temporaryFile("tiny.yaml", Array(tinySpec(steps: 100_000).utf8))
    let partial = (long as NSString).deletingLastPathComponent + "/partial"
    let r = try FlowcBinary.run(["run", long, "--out", partial, "--threads", "1"],
                                interruptWhen: { ($0 as NSString).contains("step 50/") })
    #expect(r.status == 130, "\(r.stderr)")
    let interrupted = try RunCommandTests.runDirectory(in: partial)
    let runs = Runs(root: root, plain: dirs[0], lr: dirs[1], seed: dirs[2], interrupted: interrupted)
    made = runs
    return runs
  }

  static func write(_ name: String, _ text: String) throws -> String {
    try FlowcBinary.temporaryFile(name, Array(text.utf8))
  }

  // MARK: - Specs

  @Test func equalSpecsExitZero() throws {
    let a = try Self.write("a.yaml", Self.tinySpec())
    let b = try Self.write("b.yaml", "# a comment\n" + Self.tinySpec().replacingOccurrences(of: "lr: 3e-3", with: "lr: 0.003"))
    let r = try FlowcBinary.run(["diff", a, b])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.contains("the two flows are the same"))
  }

  @Test func differentSpecsExitOneWithLocations() throws {
    let a = try Self.write("a.yaml", Self.tinySpec())
    let b = try Self.write("b.yaml", Self.tinySpec().replacingOccurrences(of: "lr: 3e-3", with: "lr: 1e-3"))
    let r = try FlowcBinary.run(["diff", a, b])
    #expect(r.status == 1)
    #expect(r.stdout.contains("train.lr  0.003  →  0.001  \(a):13:30  \(b):13:30"), "\(r.stdout)")
    #expect(!r.stdout.contains("\u{1B}["))
    let colored = try FlowcBinary.run(["diff", a, b, "--color"])
    #expect(colored.stdout.contains("\u{1B}[31m0.003\u{1B}[0m"))
    let json = try FlowcBinary.run(["diff", a, b, "--format", "json"])
    #expect(json.status == 1)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    #expect(object["equal"] as? Bool == false)
    let settings = try #require(object["settings"] as? [[String: Any]])
    #expect(settings.first?["field"] as? String == "train.lr")
  }

  @Test func invalidSpecIsAnErrorWithDiagnostics() throws {
    let a = try Self.write("a.yaml", Self.tinySpec())
    let b = try Self.write("b.yaml", Self.tinySpec().replacingOccurrences(of: "keep: [0, 1]", with: "keep: [0, 1, 1]"))
    let r = try FlowcBinary.run(["diff", a, b])
    #expect(r.status == 2)
    #expect(r.stderr.contains("[mask-size]"), "\(r.stderr)")
    #expect(r.stdout.isEmpty)
    let missing = try FlowcBinary.run(["diff", a, "/nonexistent/spec.yaml"])
    #expect(missing.status == 2)
  }

  // MARK: - Runs

  @Test func twoRunsDiffSettingsAndResults() throws {
    let runs = try Self.runs()
    let r = try FlowcBinary.run(["diff", runs.plain, runs.lr])
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.stdout.contains("train.lr"), "\(r.stdout)")
    #expect(r.stdout.contains("0.003") && r.stdout.contains("0.01"))
    let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("  test NLL") })
    let a = try #require(try Self.json("\(runs.plain)/final.json")["test_nll"] as? Double)
    let b = try #require(try Self.json("\(runs.lr)/final.json")["test_nll"] as? Double)
    #expect(line.contains(String(format: "%.4f", a)) && line.contains(String(format: "%.4f", b)), "\(line) \(a) \(b)")
    let json = try FlowcBinary.run(["diff", runs.plain, runs.lr, "--format", "json"])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    #expect(object["format"] as? String == "flowc-run-diff")
  }

  @Test func interruptedRunStillDiffsWithANote() throws {
    let runs = try Self.runs()
    let r = try FlowcBinary.run(["diff", runs.plain, runs.interrupted])
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.stdout.contains("interrupted"))
    #expect(r.stdout.contains("note: after"), "\(r.stdout)")
    #expect(r.stdout.contains("no final.json (interrupted at step"))
    #expect(r.stdout.contains("train.steps  40  →  100000"))
    // The interrupted run has a validation NLL from metrics.jsonl but no test NLL.
    let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("  test NLL") })
    #expect(line.contains("—"))
  }

  @Test func runsTableShowsOnlyVaryingSettingsAndSorts() throws {
    let runs = try Self.runs()
    let r = try FlowcBinary.run(["runs", runs.root, "--sort", "test_nll"])
    #expect(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 4, "\(r.stdout)")
    let header = lines[0]
    #expect(header.contains("train.lr") && header.contains("train.seed"))
    #expect(!header.contains("eval.test_size") && !header.contains("train.steps") && !header.contains("flow"))
    // Rows are in ascending test NLL.
    let values = try [runs.plain, runs.lr, runs.seed].map { dir in
      ((dir as NSString).lastPathComponent, try #require(try Self.json("\(dir)/final.json")["test_nll"] as? Double))
    }.sorted { $0.1 < $1.1 }.map(\.0)
    let order = lines.dropFirst().map { String($0.split(separator: " ")[0]) }
    #expect(order == values, "\(r.stdout)")
    let json = try FlowcBinary.run(["runs", runs.root, "--format", "json"])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    // data.seed defaults to train.seed, so it varies with it.
    #expect(object["varying"] as? [String] == ["data.seed", "train.lr", "train.seed"])
    #expect((object["runs"] as? [Any])?.count == 3)
  }

  @Test func runsListsBrokenRunsWithANote() throws {
    let runs = try Self.runs()
    let partial = (runs.interrupted as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: "\(partial)/broken", withIntermediateDirectories: true)
    try Data("{not json".utf8).write(to: URL(fileURLWithPath: "\(partial)/broken/run.json"))
    let r = try FlowcBinary.run(["runs", partial])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("interrupted"))
    #expect(r.stdout.contains("unreadable") && r.stdout.contains("run.json is unreadable"), "\(r.stdout)")
  }

  static func json(_ path: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
  }
}
