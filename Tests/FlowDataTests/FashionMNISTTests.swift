import FlowData
import Foundation
import Testing

/// Where Debian's `dataset-fashion-mnist` package installs the gzipped IDX files.
let fashionMNISTRoot = "/usr/share/datasets/fashion-mnist"

/// Reads Debian's `dataset-fashion-mnist` files when they are installed.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: fashionMNISTRoot),
  "skipped: /usr/share/datasets/fashion-mnist is absent (apt install dataset-fashion-mnist)"))
struct FashionMNISTTests {
  @Test func trainingSet() throws {
    let start = ContinuousClock.now
    let d = try readDataset(fashionMNISTRoot + "/train-images-idx3-ubyte.gz", labels: fashionMNISTRoot + "/train-labels-idx1-ubyte.gz")
    let elapsed = ContinuousClock.now - start
    print("read Fashion-MNIST train (60000×28×28 + labels) in \(elapsed) (debug build)")
    #expect(d.count == 60000 && d.dimension == 784 && d.shape == [28, 28])
    try d.checkFits(dimension: 784, shape: [28, 28])
    // One plain loop over the 47 million pixels (closures per element are slow in debug).
    var sum = 0.0
    var outside = 0
    d.values.withUnsafeBufferPointer { v in
      for x in v {
        sum += Double(x)
        if !(x >= 0 && x <= 255) || x != x.rounded() { outside += 1 }
      }
    }
    #expect(outside == 0, "every pixel is an integer in 0...255")
    // Ten balanced classes of 6000, and the well-known pixel mean 0.2860 · 255 ≈ 72.94.
    var counts = [Int](repeating: 0, count: 10)
    for l in d.labels! { counts[l] += 1 }
    #expect(counts == [Int](repeating: 6000, count: 10))
    let mean = sum / Double(d.values.count)
    #expect(abs(mean / 255 - 0.2860) < 0.001, "pixel mean \(mean / 255)")
  }

  @Test func testSet() throws {
    let d = try readIDXDataset(images: fashionMNISTRoot + "/t10k-images-idx3-ubyte.gz", labels: fashionMNISTRoot + "/t10k-labels-idx1-ubyte.gz")
    #expect(d.count == 10000 && d.dimension == 784 && d.labels?.count == 10000)
    let e = expectDataError("data-dimension-mismatch") { try d.checkFits(dimension: 2) }
    #expect(e?.description.hasSuffix("t10k-images-idx3-ubyte.gz: holds 28×28 images (784 values each) but the spec's flow has dimension 2") == true)
  }
}
