import FlowData
@testable import FlowcOOD
import FlowcRun
import Foundation
import PNGTestSupport
import Testing

/// The analysis end to end on a tiny trained image flow: sets, scores, metrics, table,
/// JSON, report; and the errors for sets that do not fit the model.
@Suite(.serialized) struct OODAnalysisTests {
  /// One trained model for the whole suite.
  static let trained = Result { try TinyImages.trainedModel() }

  func request(_ folder: String, _ checkpoint: String) throws -> OODRequest {
    var r = OODRequest(checkpoint: checkpoint)
    r.outFiles = [(name: "noise", path: try TinyImages.noise(120, in: folder))]
    r.outClasses = [3]
    r.options.trainingRows = 200
    return r
  }

  @Test func scoresEverySetThroughTheEvaluator() throws {
    let (folder, checkpoint) = try Self.trained.get()
    var r = try request(folder, checkpoint)
    r.background = checkpoint  // the model against itself: a ratio of exactly 1
    let a = try OODAnalysis.run(r)
    let model = try TrainedModel(checkpoint: checkpoint)

    // IN is the model's test set: the test images of classes 0–2.
    let test = try readIDXDataset(images: "\(folder)/t10k-images-idx3-ubyte.gz", labels: "\(folder)/t10k-labels-idx1-ubyte.gz")
    #expect(a.inSet.count == test.labels!.count { $0 < 3 })
    #expect(a.inSet.set.name == "t10k-images-idx3-ubyte.gz, classes 0–2")
    #expect(a.outSets.map(\.set.name) == ["t10k-images-idx3-ubyte.gz, class 3", "noise"])
    #expect(a.outSets[0].count == test.labels!.count { $0 == 3 })
    // The bits/dim are the evaluator's log-densities, nothing else.
    let expected = model.logDensity(a.inSet.set.data).map { bitsPerDimension(nats: -$0, dimension: 64) }
    #expect(a.inSet.bitsPerDimension == expected)
    #expect(a.typicalRows == 200)

    // Every score for every OUT set.
    #expect(a.scores == [.likelihood, .typicality, .typicalityBatch(size: 10), .complexity(.png), .likelihoodRatio])
    #expect(a.results.count == 10)
    for res in a.results {
      for v in [res.metrics.auroc, res.metrics.averagePrecision, res.metrics.falsePositiveRateAt95] { #expect(v >= 0 && v <= 1) }
    }
    // Uniform noise is far less likely than the data.
    let noise = try #require(a.results.first { $0.out == 1 && $0.score == .likelihood })
    #expect(noise.metrics.auroc > 0.95 && noise.inCount == a.inSet.count && noise.outCount == 120)
    // The batch test compares ⌊n / 10⌋ batches a side.
    let batch = try #require(a.results.first { $0.out == 1 && $0.score == .typicalityBatch(size: 10) })
    #expect(batch.inCount == a.inSet.count / 10 && batch.outCount == 12)
    // A model against itself ties everywhere: AUROC one half, AP the OUT fraction, FPR95 1.
    let ratio = try #require(a.results.first { $0.out == 1 && $0.score == .likelihoodRatio })
    #expect(ratio.metrics.auroc == 0.5 && ratio.metrics.falsePositiveRateAt95 == 1)
    #expect(abs(ratio.metrics.averagePrecision - 120 / Double(120 + a.inSet.count)) < 1e-12)
  }

  @Test func tableJSONAndReport() throws {
    let (folder, checkpoint) = try Self.trained.get()
    let a = try OODAnalysis.run(try request(folder, checkpoint))
    let text = a.renderText()
    #expect(text.contains("in:  t10k-images-idx3-ubyte.gz, classes 0–2: "))
    #expect(text.contains("out: noise: 120 inputs"))
    #expect(text.contains("complexity (png)"))
    #expect(text.contains("typicality, batches of 10"))
    let lines = a.jsonLines().split(separator: "\n")
    #expect(lines.count == 8)
    for line in lines {
      let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      for key in ["score", "auroc", "aupr", "fpr95", "in", "out", "checkpoint", "typical_bpd"] { #expect(o[key] != nil, "no \(key)") }
      #expect(o["checkpoint"] as? String == checkpoint)
      let out = try #require(o["out"] as? [String: Any])
      #expect(out["count"] is Int && out["name"] is String)
    }
    let html = "\(folder)/ood.html"
    try a.writeReport(to: html, figuresDirectory: "\(folder)/figures")
    let page = try String(contentsOfFile: html, encoding: .utf8)
    #expect(page.contains("<h2>OUT: noise</h2>") && page.components(separatedBy: "data:image/png;base64,").count == 1 + 4 + 3)
    for f in ["bpd-histogram-1.png", "roc-1.png", "bpd-histogram-2.png", "roc-2.png", "extremes-in.png", "extremes-out-1.png",
              "extremes-out-2.png"] {
      #expect(PNGPixels(path: "\(folder)/figures/\(f)") != nil, "no figure \(f)")
    }
  }

  @Test func setsThatDoNotFitAreErrorsNamingBoth() throws {
    let (folder, checkpoint) = try Self.trained.get()
    let model = try TrainedModel(checkpoint: checkpoint)
    // Images of another size: both shapes named.
    let wide = try TinyImages.noise(5, in: folder, shape: [4, 16])
    #expect(throws: DataError(path: wide, .shapeMismatch(found: [4, 16], expected: [8, 8]))) { try OODSet.file(wide, name: nil, model: model) }
    #expect(DataError(path: wide, .shapeMismatch(found: [4, 16], expected: [8, 8])).description.hasSuffix("holds 4×16 images but the spec declares 8×8"))
    // A missing file.
    do {
      _ = try OODSet.file("\(folder)/absent.npy", name: nil, model: model)
      Issue.record("no error")
    } catch let e as DataError {
      #expect(e.id == "data-unreadable" && e.description.hasPrefix("\(folder)/absent.npy: cannot read the file"))
    }
    // Values outside the pixel range.
    let bad = "\(folder)/bad.npy"
    try writeFileBytes(encodeNPY(Dataset(values: [Float](repeating: 300, count: 64), count: 1, dimension: 64, shape: [8, 8], source: "x")), to: bad)
    do {
      _ = try OODSet.file(bad, name: nil, model: model)
      Issue.record("no error")
    } catch let e as OODError {
      #expect(e.description.contains("is 300.0, outside the model's pixel range [0, 256]"))
    }
  }

  @Test func requestArguments() {
    #expect(OODRequest.outFile("noise=/tmp/x.npy") == ("noise", "/tmp/x.npy"))
    #expect(OODRequest.outFile("/tmp/a=b.npy") == (nil, "/tmp/a=b.npy"))
    #expect(OODRequest.outFile("x.npy") == (nil, "x.npy"))
    #expect(OODRequest.classes("9") == [9] && OODRequest.classes("8, 9") == [8, 9])
    #expect(OODRequest.classes("a") == nil && OODRequest.classes("1,,2") == nil && OODRequest.classes("-1") == nil)
  }
}
