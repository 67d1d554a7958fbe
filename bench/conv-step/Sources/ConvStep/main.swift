// Forward + backward time of a stack of Glow steps (ActNorm per channel → LU 1×1 conv →
// affine coupling on a channel split, conditioner conv3×3 → ActNorm → ReLU → conv1×1 →
// ActNorm → ReLU → conv3×3, zero-initialised last conv, scale sigmoid(s + 2)), the
// same model as bench/conv_step_torch.py. Prints one JSON line.
//
//   ConvStep --shape 4,14,14 --steps 8 --hidden 64 --batch 64 --threads 1 --reps 20
import FlowRandom
import FlowRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// Seconds on `clock`: CLOCK_MONOTONIC (wall) or CLOCK_PROCESS_CPUTIME_ID (CPU time of
/// every thread of the process, which other jobs on shared cores do not inflate).
func now(_ clock: clockid_t = CLOCK_MONOTONIC) -> Double {
  var t = timespec()
  clock_gettime(clock, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// The value after `--name` on the command line, or `fallback`.
func option(_ name: String, _ fallback: String) -> String {
  let args = CommandLine.arguments
  if let i = args.firstIndex(of: "--" + name), i + 1 < args.count { return args[i + 1] }
  return fallback
}

#if DEBUG
  print("ConvStep: build in release (swift build -c release); a debug build does not measure anything")
  exit(2)
#endif

/// Builds the model, times it, prints the JSON line.
func run() {
  let shape = option("shape", "4,14,14").split(separator: ",").map { Int($0)! }
  let (c, h, w) = (shape[0], shape[1], shape[2])
  let steps = Int(option("steps", "8"))!
  let hidden = Int(option("hidden", "64"))!
  let batch = Int(option("batch", "64"))!
  let threads = Int(option("threads", "1"))!
  let reps = Int(option("reps", "20"))!
  let warmup = Int(option("warmup", "3"))!
  BLASConfiguration.threadCount = threads

  let d = c * h * w, half = c / 2, plane = h * w
  var rng = Xoshiro256(seed: 1)
  let net = ConvNetDescription(
    inputChannels: half, height: h, width: w, outputChannels: 2 * (c - half), hiddenChannels: hidden, kernels: [3, 1, 3],
    activation: .relu, normalization: .actnorm, zeroInitLast: true)
  var layers: [any Bijector<Float>] = []
  for i in 0..<steps {
    layers.append(ActNorm<Float>(dimension: d, channels: c))
    layers.append(InvertibleConv1x1<Float>(dimension: d, channels: c, parametrization: .lu, initialization: .orthogonal, seed: UInt64(i)))
    layers.append(
      AffineCoupling<Float>(
        AffineCouplingDescription(keep: (0..<d).map { $0 < half * plane }, io: .split, nets: .shared(net), scaleFunction: .sigmoid),
        rng: &rng))
  }
  let flow = Composed<Float>(layers)
  var x = Matrix<Float>(rows: batch, cols: d)
  for k in x.storage.indices { x.storage[k] = Float(rng.nextNormal()) }
  var dY = Matrix<Float>(rows: batch, cols: d)
  for k in dY.storage.indices { dY.storage[k] = Float(rng.nextNormal()) / Float(batch) }
  let dL = [Float](repeating: -1 / Float(batch), count: batch)

  /// One training pass: forward with recording, then backward.
  func step() -> Float {
    let (y, ld) = flow.forwardRecording(x)
    let g = flow.backward(dY: dY, dLogAbsDet: dL)
    return y.storage[0] + ld[0] + g.storage[0]
  }

  var sink: Float = 0
  for _ in 0..<warmup { sink += step() }
  var times: [Double] = []
  var forwardTimes: [Double] = []
  var cpuTimes: [Double] = []
  for _ in 0..<reps {
    let c0 = now(CLOCK_PROCESS_CPUTIME_ID)
    let t0 = now()
    let (y, _) = flow.forwardRecording(x)
    let t1 = now()
    let g = flow.backward(dY: dY, dLogAbsDet: dL)
    let t2 = now()
    cpuTimes.append(now(CLOCK_PROCESS_CPUTIME_ID) - c0)
    sink += y.storage[0] + g.storage[0]
    times.append(t2 - t0)
    forwardTimes.append(t1 - t0)
  }
  times.sort()
  forwardTimes.sort()
  cpuTimes.sort()
  // FLOPs of the convolutions: 2·k²·Cin·Cout·H·W per conv per image forward, ×3 for training.
  let forwardFlops = Double(net.flopsPerImage * batch * steps)
  let best = times[0], median = times[times.count / 2]
  print(
    """
    {"tool": "flowc", "shape": [\(c), \(h), \(w)], "steps": \(steps), "hidden": \(hidden), "batch": \(batch), \
    "threads": \(threads), "ms_best": \(best * 1e3), "ms_median": \(median * 1e3), "forward_ms_best": \(forwardTimes[0] * 1e3), "cpu_ms_best": \(cpuTimes[0] * 1e3), \
    "gflop_per_step": \(3 * forwardFlops / 1e9), "gflops_best": \(3 * forwardFlops / best / 1e9), \
    "kernel": "\(BLASConfiguration.coreName)", "sink": \(sink.isFinite ? 0 : 1)}
    """)
}

run()
