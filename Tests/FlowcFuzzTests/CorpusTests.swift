import FlowcFuzz
import Foundation
import Testing

/// The fuzz targets on their seed corpora and on every input a fuzzing run found to crash
/// (`Fuzz/regressions/`): a crash found once stays fixed.
@Suite struct CorpusTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// The files under `folders` (recursively) whose names end in one of `suffixes` (all
  /// files when empty).
  static func files(_ folders: [String], suffixes: [String] = []) -> [URL] {
    var out: [URL] = []
    for folder in folders {
      let url = root.appendingPathComponent(folder)
      guard let e = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey]) else { continue }
      for case let file as URL in e where (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
        if file.lastPathComponent.hasPrefix(".") { continue }
        if suffixes.isEmpty || suffixes.contains(where: { file.lastPathComponent.hasSuffix($0) }) { out.append(file) }
      }
    }
    return out.sorted { $0.path < $1.path }
  }

  /// The front end's seeds: every spec in the repository (`.ci/fuzz` uses the same).
  static let specSeeds = files(["specs", "examples", "Tests/FlowcIRTests/Fixtures", "Tests/FlowcSpecTests/Fixtures",
                                "Tests/FlowcDiffTests", "Tests/FlowcCLITests"], suffixes: [".yaml"])
    + files(["Fuzz/regressions/front-end"])
  static let dataSeeds = files(["Fuzz/corpus/data-readers", "Fuzz/regressions/data-readers", "examples/data",
                                "Tests/FlowcIRTests/Fixtures/invalid/data"])

  @Test func frontEndSeedsRunCleanly() throws {
    #expect(Self.specSeeds.count > 50, "only \(Self.specSeeds.count) spec seeds")
    for file in Self.specSeeds { FuzzTargets.frontEnd([UInt8](try Data(contentsOf: file))) }
  }

  @Test func dataReaderSeedsRunCleanly() throws {
    #expect(Self.dataSeeds.count >= 24, "only \(Self.dataSeeds.count) data seeds")
    for file in Self.dataSeeds { FuzzTargets.dataReaders([UInt8](try Data(contentsOf: file))) }
  }

  /// Overrides in `#!set` lines reach the front end's override path.
  @Test func overrideLinesAreApplied() {
    let spec = "#!set train.lr=-1\n#!set train.epochs=~\ndim: 2\nprior: standard_normal\nflow: [{kind: actnorm}]\ndata: {source: moons}\ntrain: {steps: 10}\n"
    FuzzTargets.frontEnd(Array(spec.utf8))
  }
}
