import FlowRandom

/// Small labelled image data for the end-to-end tests of `flowc ood` and of conditional
/// flows (debug builds train slowly, so everything is tiny): 8×8 images with a dark
/// background (0…20) and a bright 3×3 square (200…255) in the corner named by the label
/// (0 top left, 1 top right, 2 bottom left, 3 bottom right).
package enum TinyLabelledImages {
  /// `count` images (row-major pixels) and their labels, from `seed`.
  package static func images(_ count: Int, seed: UInt64) -> (pixels: [UInt8], labels: [UInt8]) {
    var g = Xoshiro256(seed: seed, stream: "tiny-images")
    var pixels: [UInt8] = []
    var labels: [UInt8] = []
    for _ in 0..<count {
      let label = g.nextInt(below: 4)
      let (r0, c0) = (label / 2 == 0 ? 1 : 4, label % 2 == 0 ? 1 : 4)
      for r in 0..<8 {
        for c in 0..<8 {
          let inside = (r0..<r0 + 3).contains(r) && (c0..<c0 + 3).contains(c)
          pixels.append(UInt8(inside ? 200 + g.nextInt(below: 56) : g.nextInt(below: 21)))
        }
      }
      labels.append(UInt8(label))
    }
    return (pixels, labels)
  }

  /// IDX bytes of images (`dims` = count, 8, 8) or labels (`dims` = count).
  package static func idx(_ bytes: [UInt8], dims: [Int]) -> [UInt8] {
    [0, 0, 8, UInt8(dims.count)] + dims.flatMap { d in [24, 16, 8, 0].map { UInt8(d >> $0 & 255) } } + bytes
  }

  /// Writes the training set (800 images, seed 1) and test set (300, seed 2) into `folder`
  /// as `{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`, compressed by `gzip` (the
  /// caller's FlowData, which this module does not link).
  package static func writeSets(in folder: String, gzip: ([UInt8]) throws -> [UInt8],
                                write: ([UInt8], String) throws -> Void) throws {
    for (name, count, seed) in [("train", 800, UInt64(1)), ("t10k", 300, 2)] {
      let (pixels, labels) = images(count, seed: seed)
      try write(try gzip(idx(pixels, dims: [count, 8, 8])), "\(folder)/\(name)-images-idx3-ubyte.gz")
      try write(try gzip(idx(labels, dims: [count])), "\(folder)/\(name)-labels-idx1-ubyte.gz")
    }
  }

  /// A small Real NVP on the sets of `writeSets` in `folder`, trained on classes 0–2 (the
  /// fourth is the OOD tests' held-out class).
  package static func spec(folder dir: String) -> String {
    """
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
  }
}
