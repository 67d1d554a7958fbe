import FlowData
import FlowPlot
import FlowcBuild
import FlowcRun
import PNGTestSupport
import Foundation
import Testing

/// Figures, report.html and `flowc report`, on a run of the tiny moons spec.
@Suite(.serialized) struct ReportTests {
  /// One run shared by the tests of this suite.
  static let run: Result<String, any Error> = Result {
    let spec = try FlowcBinary.temporaryFile("tiny.yaml", Array(RunCommandTests.tinySpec().utf8))
    let out = (spec as NSString).deletingLastPathComponent + "/runs"
    let r = try FlowcBinary.run(["run", spec, "--out", out, "--threads", "1"])
    guard r.status == 0 else { throw TestFailure(message: r.stderr) }
    // Not a terminal (stderr is a pipe): plain lines only, no control characters.
    guard !r.stderr.contains("\r"), !r.stderr.contains("\u{1B}") else { throw TestFailure(message: "control characters in \(r.stderr)") }
    guard r.stderr.contains("step 200/200") else { throw TestFailure(message: "no evaluation lines in \(r.stderr)") }
    return try RunCommandTests.runDirectory(in: out)
  }

  struct TestFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
  }

  @Test func aMoonsRunLeavesItsFiguresAndReport() throws {
    let dir = try Self.run.get()
    for (file, width, height) in [("panels.png", 800, 800), ("density.png", 640, 560), ("warp.png", 900, 450), ("loss.png", 640, 400)] {
      let png = try #require(PNGPixels(path: "\(dir)/figures/\(file)"), "\(file) does not decode")
      #expect(png.width == width && png.height == height, "\(file) is \(png.width)x\(png.height)")
    }
    let html = try String(contentsOfFile: "\(dir)/report.html", encoding: .utf8)
    #expect(html.components(separatedBy: "<img ").count - 1 == 4)
    #expect(html.components(separatedBy: "src=\"data:image/png;base64,").count - 1 == 4)
    #expect(!html.contains("http://") && !html.contains("https://"))
    #expect(html.contains("realnvp") || html.contains("affine_coupling"))
  }

  /// The data panel (bottom left of panels.png) has the data colour where the test points
  /// are, and not in an empty corner.
  @Test func dataPointsAreWhereTheyShouldBe() throws {
    let dir = try Self.run.get()
    let png = try #require(PNGPixels(path: "\(dir)/figures/panels.png"))
    let model = try TrainedModel(checkpoint: "\(dir)/checkpoints/last.safetensors")
    let test = try DataPlan.make(model.graph.graph).test
    let xs = (0..<test.count).map { Double(test.row($0)[0]) }
    let ys = (0..<test.count).map { Double(test.row($0)[1]) }
    let canvas = Canvas(width: 800, height: 800)
    let axes = Axes(canvas: canvas, cell: canvas.cell(row: 1, column: 0, rows: 2, columns: 2),
                    x: padded(extent(xs), 0.1), y: padded(extent(ys), 0.1))
    let blue = (31, 119, 180)
    var hits = 0
    for i in stride(from: 0, to: test.count, by: 10) {
      let p = axes.pixel(xs[i], ys[i])
      if png.matches(Int(p.x), Int(p.y), blue) { hits += 1 }
    }
    #expect(hits == (test.count + 9) / 10, "\(hits) of \((test.count + 9) / 10) data points drawn where expected")
    // Moons leave the top-left corner of their range empty.
    let corner = axes.pixel(xs.min()!, ys.max()!)
    #expect(!png.matches(Int(corner.x), Int(corner.y), blue))
    #expect(png.matches(Int(corner.x), Int(corner.y), (255, 255, 255)))
  }

  @Test func reportRebuildsFromTheRunDirectory() throws {
    let dir = try Self.run.get()
    try FileManager.default.removeItem(atPath: "\(dir)/figures")
    try FileManager.default.removeItem(atPath: "\(dir)/report.html")
    let r = try FlowcBinary.run(["report", dir])
    #expect(r.status == 0, "\(r.stderr)")
    for file in ["figures/panels.png", "figures/density.png", "figures/warp.png", "figures/loss.png", "report.html"] {
      #expect(FileManager.default.fileExists(atPath: "\(dir)/\(file)"), "missing \(file)")
    }
    let compared = (dir as NSString).deletingLastPathComponent + "/compare.html"
    let c = try FlowcBinary.run(["report", dir, dir, "-o", compared])
    #expect(c.status == 0, "\(c.stderr)")
    let html = try String(contentsOfFile: compared, encoding: .utf8)
    #expect(html.contains("Loss curves") && html.contains((dir as NSString).lastPathComponent))
    #expect(try FlowcBinary.run(["report", dir, dir]).status == 2)
    #expect(try FlowcBinary.run(["report", "/nonexistent-run"]).status == 2)
  }

  /// Image data get samples, reconstructions and the bits/dim histogram; the
  /// reconstructions g(f(x)) show the same pixels as the test images above them.
  @Test func imageRunsGetImageFigures() throws {
    var generator = SystemRandomNumberGenerator()
    let count = 300
    let values = (0..<(count * 16)).map { i in Float((i % 16) * 16 + Int.random(in: 0..<16, using: &generator)) }
    let npy = try FlowcBinary.temporaryFile("images.npy", encodeNPY(Dataset(values: values, count: count, dimension: 16, source: "test")))
    let spec = """
      shape: [4, 4]
      name: tinyimages
      prior: standard_normal
      templates:
        net: {hidden: [8]}
      flow:
        - {kind: additive_coupling, keep: checkerboard, shift: net}
        - {kind: additive_coupling, keep: checkerboard_odd, shift: net}
      data: {source: npy, path: \(npy), validation_size: 50, preprocess: {dequantize: true, levels: 256}}
      train: {optimizer: adam, lr: 1e-3, batch_size: 32, steps: 40, eval_every: 20, seed: 1}
      eval: {test_size: 50, samples: 10}
      """
    let path = try FlowcBinary.temporaryFile("images.yaml", Array(spec.utf8))
    let out = (path as NSString).deletingLastPathComponent + "/runs"
    let r = try FlowcBinary.run(["run", path, "--out", out, "--threads", "1"])
    #expect(r.status == 0, "\(r.stderr)")
    let dir = try RunCommandTests.runDirectory(in: out)
    for file in ["samples.png", "reconstructions.png", "bpd-histogram.png", "loss.png"] {
      #expect(PNGPixels(path: "\(dir)/figures/\(file)") != nil, "\(file) missing or not a PNG")
    }
    let png = try #require(PNGPixels(path: "\(dir)/figures/reconstructions.png"))
    // 8 images of 4 × 4 pixels at scale 3 with a 2-pixel gap, 10 pixels from the edge.
    #expect(png.width == 8 * 14 + 20 && png.height == 2 * 14 + 20)
    for image in 0..<8 {
      for (row, column) in [(0, 0), (1, 2), (3, 3), (2, 1)] {
        let x = 10 + image * 14 + 1 + column * 3 + 1
        let y = 10 + 1 + row * 3 + 1
        let top = png.rgb(x, y)
        #expect(top.0 == top.1 && top.1 == top.2, "not gray")
        #expect(png.matches(x, y + 14, top, tolerance: 1), "image \(image) pixel (\(row), \(column)) differs after g(f(x))")
      }
    }
    // The images are darker on the left (small values) than on the right.
    #expect(png.rgb(10 + 2, 10 + 2).0 < png.rgb(10 + 11, 10 + 11).0)
  }

  /// `flowc sample -o x.png` draws the samples of a 2-D flow as a scatter plot.
  @Test func sampleWritesAPNG() throws {
    let dir = try Self.run.get()
    let png = (dir as NSString).deletingLastPathComponent + "/samples.png"
    let r = try FlowcBinary.run(["sample", "\(dir)/checkpoints/last.safetensors", "-n", "300", "-o", png])
    #expect(r.status == 0, "\(r.stderr)")
    let pixels = try #require(PNGPixels(path: png))
    #expect(pixels.width == 560 && pixels.height == 520)
  }

  /// Opens report.html in headless Chromium where it is installed: no script error, every
  /// image loaded. Skipped (and says so) where Chromium is not installed.
  @Test func reportOpensInHeadlessChromium() throws {
    guard let chromium = ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap(Self.findExecutable).first else {
      print("skipped: reportOpensInHeadlessChromium needs chromium (Debian: apt-get install chromium)")
      return
    }
    let dir = try Self.run.get()
    // A copy of the report with a probe that records errors and image loading in the DOM.
    let probe = """
      <script>
      var errors = [];
      window.addEventListener('error', function (e) { errors.push(String(e.message || e.target && e.target.src)); }, true);
      window.addEventListener('load', function () {
        var imgs = Array.prototype.slice.call(document.images);
        var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
        var d = document.createElement('div');
        d.id = 'flowc-probe';
        d.textContent = 'images ' + ok + '/' + imgs.length + ' errors ' + errors.length;
        document.body.appendChild(d);
      });
      </script>
      """
    let html = try String(contentsOfFile: "\(dir)/report.html", encoding: .utf8)
    let page = "\(dir)/report-probe.html"
    try html.replacingOccurrences(of: "<head>", with: "<head>\n" + probe).write(toFile: page, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: chromium)
    process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--virtual-time-budget=5000",
                         "--dump-dom", URL(fileURLWithPath: page).absoluteString]
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(dom.contains("images 4/4 errors 0"), "probe: \(dom.suffix(300))")
    #expect(!log.contains("CONSOLE"), "console: \(log)")
  }

  static func findExecutable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }
}

/// Progress output: plain lines off a terminal, a line redrawn in place on one, nothing
/// but the summary with --quiet.
@Suite(.serialized) struct ProgressTests {
  @Test func progressTextFitsAndSaysWhereTrainingStands() {
    let p = TrainingProgress(step: 1200, totalSteps: 5000, loss: 1.73421, validationNLL: 1.681, stepsPerSecond: 400)
    let text = p.text()
    #expect(text == "step 1200/5000 [##..........] loss 1.7342 val 1.6810 400 steps/s 0:10 left")
    #expect(text.count < 80)
    #expect(p.text(width: 30).count == 29)
    #expect(!text.contains("\r") && !text.contains("\u{1B}"))
  }

  @Test func liveProgressRedrawsInPlace() {
    var written = ""
    let live = LiveProgress { written += $0 }
    live.update(TrainingProgress(step: 1, totalSteps: 10, loss: 2, validationNLL: nil, stepsPerSecond: 0))
    #expect(written == "\r\u{1B}[Kstep 1/10 [#...........] loss 2.0000")
    written = ""
    live.line("step 5/10  val 1.5")
    // The log line replaces the progress line, which is drawn again below it.
    #expect(written == "\r\u{1B}[Kstep 5/10  val 1.5\nstep 1/10 [#...........] loss 2.0000")
    written = ""
    live.finish()
    #expect(written == "\r\u{1B}[K")
  }

  @Test func quietPrintsOnlyTheSummary() throws {
    let spec = try FlowcBinary.temporaryFile("tiny.yaml", Array(RunCommandTests.tinySpec(steps: 50).utf8))
    let r = try FlowcBinary.run(["run", spec, "--out", (spec as NSString).deletingLastPathComponent + "/runs", "--quiet"])
    #expect(r.status == 0)
    #expect(r.stderr.isEmpty, "\(r.stderr)")
    #expect(r.stdout.contains("test NLL"))
  }

  /// On a terminal (script(1) gives the run one) the progress line is redrawn with \r.
  @Test func aTerminalGetsALiveProgressLine() throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
      print("skipped: aTerminalGetsALiveProgressLine needs script(1) (util-linux)")
      return
    }
    let spec = try FlowcBinary.temporaryFile("tiny.yaml", Array(RunCommandTests.tinySpec(steps: 400).utf8))
    let base = (spec as NSString).deletingLastPathComponent
    let command = "\(FlowcBinary.executable.path) run \(spec) --out \(base)/runs --threads 1"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    process.arguments = ["-qec", command, "\(base)/typescript"]
    process.standardOutput = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let typescript = String(decoding: try Data(contentsOf: URL(fileURLWithPath: "\(base)/typescript")), as: UTF8.self)
    #expect(typescript.contains("\r\u{1B}[Kstep "))
    #expect(typescript.contains("steps/s"))
    #expect(typescript.contains("test NLL"))
  }
}
