import FlowData
import FlowcBuild
import FlowcIR
import FlowcTestSupport
import Foundation
import Testing

/// `data.labels`, `test_labels` and `classes` in the data plan: labelled rows, classes
/// selected before the split, the test set alone read as `make` reads it.
@Suite struct DataPlanClassesTests {
  /// A fresh folder holding `n` 2×2 IDX images (image i has every pixel i % 256) and their
  /// labels i % 3, under `prefix`.
  static func write(_ n: Int, prefix: String, in dir: String) throws -> (images: String, labels: String) {
    func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
    let images = [0, 0, 8, 3] + be32(n) + be32(2) + be32(2) + (0..<n).flatMap { i in [UInt8](repeating: UInt8(i % 256), count: 4) }
    let labels = [0, 0, 8, 1] + be32(n) + (0..<n).map { UInt8($0 % 3) }
    let ip = dir + "/\(prefix)-images-idx3-ubyte.gz"
    let lp = dir + "/\(prefix)-labels-idx1-ubyte.gz"
    try writeFileBytes(gzip(images), to: ip)
    try writeFileBytes(gzip(labels), to: lp)
    return (ip, lp)
  }

  static func directory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-classes-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  static func spec(_ data: String) -> String {
    """
    shape: [2, 2]
    prior: standard_normal
    flow: [{kind: actnorm}]
    data:
      source: idx
    \(data)
    train: {steps: 10}
    eval: {test_size: 30}
    """
  }

  @Test func classesSelectTrainingValidationAndTestRows() throws {
    let dir = try Self.directory()
    let train = try Self.write(90, prefix: "train", in: dir)
    let test = try Self.write(30, prefix: "t10k", in: dir)
    let g = try graph(Self.spec("""
        path: \(train.images)
        labels: \(train.labels)
        test_path: \(test.images)
        test_labels: \(test.labels)
        validation_size: 6
        classes: [0, 2]
      """)).graph
    let plan = try DataPlan.make(g)
    let rows = try #require(plan.rows).data
    #expect(rows.count + plan.validation.count == 60)
    #expect(plan.validation.count == 6)
    #expect(plan.test.count == 20)
    for set in [rows, plan.validation, plan.test] {
      let labels = try #require(set.labels)
      #expect(Set(labels).isSubset(of: [0, 2]))
      // Each row keeps its own label: pixel value i, label i % 3.
      for r in 0..<set.count { #expect(Int(set[r, 0]) % 3 == labels[r]) }
    }
    // The test set alone, as `make` builds it.
    #expect(try DataPlan.testSet(g) == plan.test)
  }

  @Test func theTestSetSplitFromPathKeepsItsLabels() throws {
    let dir = try Self.directory()
    let train = try Self.write(150, prefix: "train", in: dir)
    let g = try graph(Self.spec("""
        path: \(train.images)
        labels: \(train.labels)
        classes: [1]
      """)).graph
    let plan = try DataPlan.make(g)
    #expect(plan.test.count == 10)   // a fifth of the 50 rows of class 1
    #expect(plan.test.labels == [Int](repeating: 1, count: 10))
    #expect(try DataPlan.testSet(g) == plan.test)
  }

  @Test func withoutClassesRowsAreLabelledButAllKept() throws {
    let dir = try Self.directory()
    let train = try Self.write(60, prefix: "train", in: dir)
    let test = try Self.write(30, prefix: "t10k", in: dir)
    let g = try graph(Self.spec("""
        path: \(train.images)
        labels: \(train.labels)
        test_path: \(test.images)
      """)).graph
    let plan = try DataPlan.make(g)
    #expect(plan.test.count == 30 && plan.test.labels == nil)
    #expect(try #require(plan.rows).data.labels != nil)
  }

  @Test func aClassNoExampleHasStopsTheRun() throws {
    let dir = try Self.directory()
    let train = try Self.write(60, prefix: "train", in: dir)
    let g = try graph(Self.spec("""
        path: \(train.images)
        labels: \(train.labels)
        classes: [0, 7]
      """)).graph
    #expect(throws: DataError.self) { _ = try DataPlan.make(g) }
    do {
      _ = try DataPlan.make(g)
    } catch let e as DataError {
      #expect(e.description == "\(train.images): no example is labelled 7, a class asked for; the labels present are 0–2")
    }
  }
}
