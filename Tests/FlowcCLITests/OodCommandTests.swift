import FlowData
import FlowcTestSupport
import Foundation
import Testing

/// `flowc ood` end to end on a tiny image flow trained by `flowc run` on generated,
/// labelled IDX data (`TinyLabelledImages`: three classes of four), and its errors.
@Suite(.serialized) struct OodCommandTests {
  /// The folder and checkpoint of one trained model, made once for the suite.
  static let trained = Result { () throws -> (String, String) in
    let spec = try FlowcBinary.temporaryFile("tiny-images.yaml", [])
    let dir = (spec as NSString).deletingLastPathComponent
    try TinyLabelledImages.writeSets(in: dir, gzip: { gzip($0) }, write: { try writeFileBytes($0, to: $1) })
    try TinyLabelledImages.spec(folder: dir).write(toFile: spec, atomically: true, encoding: .utf8)
    let r = try FlowcBinary.run(["run", spec, "--out", "\(dir)/runs", "--threads", "1", "--quiet"], timeout: 600)
    guard r.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["stderr": r.stderr]) }
    return (dir, "\(try RunCommandTests.runDirectory(in: "\(dir)/runs"))/checkpoints/last.safetensors")
  }

  /// Uniform noise images of `shape` as .npy.
  static func noise(_ count: Int, shape: [Int], in dir: String) throws -> String {
    var state: UInt64 = 99
    let d = shape.reduce(1, *)
    let values = (0..<count * d).map { _ in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Float(state >> 56)
    }
    let path = "\(dir)/noise-\(shape.map(String.init).joined(separator: "x")).npy"
    try writeFileBytes(encodeNPY(Dataset(values: values, count: count, dimension: d, shape: shape, source: "noise")), to: path)
    return path
  }

  @Test func printsTheTableWritesJSONAndTheReport() throws {
    let (dir, checkpoint) = try Self.trained.get()
    let noise = try Self.noise(100, shape: [8, 8], in: dir)
    let r = try FlowcBinary.run(["ood", checkpoint, "--out", "uniform noise=\(noise)", "--out-classes", "3", "--training-rows", "300",
                                 "-o", "\(dir)/ood.html", "--figures", "\(dir)/ood-figures"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("in:  t10k-images-idx3-ubyte.gz, classes 0–2: "))
    #expect(r.stdout.contains("out: uniform noise: 100 inputs"))
    #expect(r.stdout.contains("out: t10k-images-idx3-ubyte.gz, class 3: "))
    for title in ["likelihood (bits/dim)", "typicality, one input", "typicality, batches of 10", "complexity (png)"] {
      #expect(r.stdout.components(separatedBy: title).count == 3, "\(title) not in both tables")
    }
    #expect(r.stdout.contains("wrote \(dir)/ood.html"))
    let html = try String(contentsOfFile: "\(dir)/ood.html", encoding: .utf8)
    #expect(html.contains("<h2>OUT: uniform noise</h2>"))
    #expect(FileManager.default.fileExists(atPath: "\(dir)/ood-figures/roc-2.png"))

    let j = try FlowcBinary.run(["ood", checkpoint, "--out", noise, "--json", "--typicality-batch", "5", "--typicality-batch", "20",
                                 "--compressor", "zlib", "--compressor", "png", "--compressor", "zlib"])
    #expect(j.status == 0, "\(j.stderr)")
    let lines = j.stdout.split(separator: "\n")
    #expect(lines.count == 6)
    let objects = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    #expect(objects.map { $0["score"] as? String }
      == ["likelihood", "typicality", "typicality-batch", "typicality-batch", "complexity", "complexity"])
    #expect(objects.compactMap { $0["batch_size"] as? Int } == [5, 20])
    // Repeated compressors give one row each, in the order given, duplicates dropped.
    #expect(objects.compactMap { $0["compressor"] as? String } == ["zlib", "png"])
    let likelihood = objects[0]
    #expect((likelihood["auroc"] as? Double ?? 0) > 0.95)
    #expect(likelihood["checkpoint"] as? String == checkpoint)
    #expect((likelihood["out"] as? [String: Any])?["count"] as? Int == 100)
  }

  @Test func setsThatDoNotFitAreClearErrors() throws {
    let (dir, checkpoint) = try Self.trained.get()
    let wide = try Self.noise(4, shape: [4, 16], in: dir)
    let shape = try FlowcBinary.run(["ood", checkpoint, "--out", wide])
    #expect(shape.status == 1)
    #expect(shape.stderr == "error: \(wide): holds 4×16 images but the spec declares 8×8\n")

    let csv = try FlowcBinary.temporaryFile("three.csv", Array("1,2,3\n4,5,6\n".utf8))
    let columns = try FlowcBinary.run(["ood", checkpoint, "--out", csv])
    #expect(columns.status == 1 && columns.stderr.contains("has 3 columns but the spec's flow has dimension 64"), "\(columns.stderr)")

    let missing = try FlowcBinary.run(["ood", checkpoint, "--out", "\(dir)/absent.idx"])
    #expect(missing.status == 2)
    #expect(missing.stderr.hasPrefix("error: \(dir)/absent.idx: cannot read the file"), "\(missing.stderr)")

    let noCheckpoint = try FlowcBinary.run(["ood", "\(dir)/absent.safetensors", "--out", wide])
    #expect(noCheckpoint.status == 1 && noCheckpoint.stderr.contains("absent.safetensors"), "\(noCheckpoint.stderr)")
    let missingIn = try FlowcBinary.run(["ood", checkpoint, "--in", "\(dir)/absent-in.npy", "--out", wide])
    #expect(missingIn.status == 2)
    #expect(missingIn.stderr.hasPrefix("error: \(dir)/absent-in.npy: cannot read the file"), "\(missingIn.stderr)")
    // A checkpoint that cannot be read exits with 1, as in `flowc eval` and `flowc sample`.
    let noBackground = try FlowcBinary.run(["ood", checkpoint, "--out", wide, "--background", "\(dir)/absent-bg.safetensors"])
    #expect(noBackground.status == 1)
    #expect(noBackground.stderr.hasPrefix("error: \(dir)/absent-bg.safetensors: cannot read the file"), "\(noBackground.stderr)")
    let unknownFormat = try FlowcBinary.run(["ood", checkpoint, "--out", dir])
    #expect(unknownFormat.status == 1 && unknownFormat.stderr.contains("cannot tell the format from the file name"), "\(unknownFormat.stderr)")

    let noOut = try FlowcBinary.run(["ood", checkpoint])
    #expect(noOut.status == 2 && noOut.stderr.contains("give an OUT set"), "\(noOut.stderr)")
    let badClasses = try FlowcBinary.run(["ood", checkpoint, "--out-classes", "nine"])
    #expect(badClasses.status == 2 && badClasses.stderr.contains("not a comma-separated list of labels"))
  }

  @Test func aBackgroundOfAnotherShapeOrAModelWithoutLabels() throws {
    let (dir, checkpoint) = try Self.trained.get()
    let spec = try FlowcBinary.temporaryFile("tiny.yaml", Array(RunCommandTests.tinySpec(steps: 5).utf8))
    let out = (spec as NSString).deletingLastPathComponent + "/runs"
    #expect(try FlowcBinary.run(["run", spec, "--out", out, "--threads", "1", "--quiet"]).status == 0)
    let moons = "\(try RunCommandTests.runDirectory(in: out))/checkpoints/last.safetensors"

    let noise = try Self.noise(10, shape: [8, 8], in: dir)
    let background = try FlowcBinary.run(["ood", checkpoint, "--out", noise, "--background", moons])
    #expect(background.status == 1)
    #expect(background.stderr.contains("the background model \(moons) models 2-dimensional data but the model models 8×8 images"),
            "\(background.stderr)")
    let toy = try FlowcBinary.run(["ood", moons, "--out-classes", "1"])
    #expect(toy.status == 1 && toy.stderr.contains("toy data (moons), which have no classes"), "\(toy.stderr)")
  }
}
