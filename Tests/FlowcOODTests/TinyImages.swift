import FlowData
import FlowRandom
import FlowcRun
import FlowcTestSupport
import Foundation

/// A flow trained on three of the four classes of `TinyLabelledImages`, and noise images,
/// for the end-to-end tests of the analysis.
enum TinyImages {
  /// A folder with train/test IDX images and labels, and a run of a small Real NVP
  /// trained on classes 0–2; returns the folder and the last checkpoint.
  static func trainedModel() throws -> (folder: String, checkpoint: String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-ood-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try TinyLabelledImages.writeSets(in: dir, gzip: { gzip($0) }, write: { try writeFileBytes($0, to: $1) })
    try TinyLabelledImages.spec(folder: dir).write(toFile: "\(dir)/spec.yaml", atomically: true, encoding: .utf8)
    let outcome = try Runner.run(Runner.Request(specPath: "\(dir)/spec.yaml", outputRoot: "\(dir)/runs", threads: 1), log: { _ in })
    guard case .completed(let run, _) = outcome else {
      throw RunFileError(path: dir, problem: "the run did not complete: \(outcome)", writing: false)
    }
    return (dir, run.lastCheckpoint)
  }

  /// `count` images of uniform noise (0…255), as an .npy file in `folder`.
  static func noise(_ count: Int, in folder: String, shape: [Int] = [8, 8]) throws -> String {
    var g = Xoshiro256(seed: 9, stream: "noise")
    let d = shape.reduce(1, *)
    let values = (0..<count * d).map { _ in Float(g.nextInt(below: 256)) }
    let path = "\(folder)/noise-\(shape.map(String.init).joined(separator: "x")).npy"
    try writeFileBytes(encodeNPY(Dataset(values: values, count: count, dimension: d, shape: shape, source: "noise")), to: path)
    return path
  }
}
