import FlowData
import FlowRandom
import FlowcRun
import Foundation

/// Small labelled image data and a flow trained on three of its four classes, for the
/// end-to-end tests of the analysis (debug builds train slowly, so everything is tiny).
enum TinyImages {
  /// 8×8 images: dark background (0…20) and a bright 3×3 square (200…255) in the corner
  /// named by the label (0 top left, 1 top right, 2 bottom left, 3 bottom right).
  static func images(_ count: Int, seed: UInt64) -> (values: [Float], labels: [Int]) {
    var g = Xoshiro256(seed: seed, stream: "tiny-images")
    var values: [Float] = []
    var labels: [Int] = []
    for _ in 0..<count {
      let label = g.nextInt(below: 4)
      let (r0, c0) = (label / 2 == 0 ? 1 : 4, label % 2 == 0 ? 1 : 4)
      for r in 0..<8 {
        for c in 0..<8 {
          let inside = (r0..<r0 + 3).contains(r) && (c0..<c0 + 3).contains(c)
          values.append(Float(inside ? 200 + g.nextInt(below: 56) : g.nextInt(below: 21)))
        }
      }
      labels.append(label)
    }
    return (values, labels)
  }

  /// IDX bytes of images (`dims` = count, 8, 8) or labels (`dims` = count).
  static func idx(_ bytes: [UInt8], dims: [Int]) -> [UInt8] {
    [0, 0, 8, UInt8(dims.count)] + dims.flatMap { d in [24, 16, 8, 0].map { UInt8(d >> $0 & 255) } } + bytes
  }

  /// A folder with train/test IDX images and labels, and a run of a small Real NVP
  /// trained on classes 0–2; returns the folder and the last checkpoint.
  static func trainedModel() throws -> (folder: String, checkpoint: String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowc-ood-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (name, count, seed) in [("train", 800, UInt64(1)), ("t10k", 300, 2)] {
      let (v, l) = images(count, seed: seed)
      try writeFileBytes(gzip(idx(v.map { UInt8($0) }, dims: [count, 8, 8])), to: "\(dir)/\(name)-images-idx3-ubyte.gz")
      try writeFileBytes(gzip(idx(l.map { UInt8($0) }, dims: [count])), to: "\(dir)/\(name)-labels-idx1-ubyte.gz")
    }
    let spec = """
      name: tiny-images
      shape: [8, 8]
      prior: standard_normal
      templates: {net: {hidden: [32], activation: tanh, init: zero_last}}
      flow:
        - {kind: actnorm}
        - {kind: affine_coupling, keep: checkerboard, net: net, scale_clamp: 2.0}
        - repeat: 3
          layers: [{kind: affine_coupling, keep: flip, net: net, scale_clamp: 2.0}]
      data:
        source: idx
        path: \(dir)/train-images-idx3-ubyte.gz
        labels: \(dir)/train-labels-idx1-ubyte.gz
        test_path: \(dir)/t10k-images-idx3-ubyte.gz
        test_labels: \(dir)/t10k-labels-idx1-ubyte.gz
        classes: [0, 1, 2]
        preprocess: {dequantize: true, levels: 256, logit_alpha: 0.05}
      train: {lr: 3e-3, batch_size: 64, steps: 150, eval_every: 50}
      eval: {samples: 8, batch_size: 64}
      """
    try spec.write(toFile: "\(dir)/spec.yaml", atomically: true, encoding: .utf8)
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
