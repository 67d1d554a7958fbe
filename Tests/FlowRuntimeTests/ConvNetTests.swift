import FlowRandom
import FlowRuntime
import Testing

/// out[b, co, i, j] = bias[co] + Σ weight[co, ci, dy, dx]·x[b, ci, i + dy − p, j + dx − p], the
/// definition, on sample rows [n, C·H·W].
func directConvolution(
  _ x: [Double], batch n: Int, cin: Int, cout: Int, h: Int, w: Int, k: Int, weight: [Double], bias: [Double]
) -> [Double] {
  let p = (k - 1) / 2
  var out = [Double](repeating: 0, count: n * cout * h * w)
  for b in 0..<n {
    for co in 0..<cout {
      for i in 0..<h {
        for j in 0..<w {
          var s = bias[co]
          for ci in 0..<cin {
            for dy in 0..<k {
              for dx in 0..<k {
                let si = i + dy - p, sj = j + dx - p
                if si < 0 || si >= h || sj < 0 || sj >= w { continue }
                s += weight[((co * cin + ci) * k + dy) * k + dx] * x[((b * cin + ci) * h + si) * w + sj]
              }
            }
          }
          out[((b * cout + co) * h + i) * w + j] = s
        }
      }
    }
  }
  return out
}

/// Sample rows [n, C·plane] ↔ channel-major [C, n·plane], for feeding `Conv2D` directly.
func toChannelMajor(_ x: [Double], batch n: Int, channels c: Int, plane: Int) -> Matrix<Double> {
  var m = Matrix<Double>(rows: c, cols: n * plane)
  for b in 0..<n { for ch in 0..<c { for s in 0..<plane { m[ch, b * plane + s] = x[(b * c + ch) * plane + s] } } }
  return m
}

/// The inverse of `toChannelMajor`.
func fromChannelMajor(_ m: Matrix<Double>, batch n: Int) -> [Double] {
  let c = m.rows, plane = m.cols / n
  var x = [Double](repeating: 0, count: n * c * plane)
  for b in 0..<n { for ch in 0..<c { for s in 0..<plane { x[(b * c + ch) * plane + s] = m[ch, b * plane + s] } } }
  return x
}

/// The network the description defines, computed from the definitions (direct
/// convolutions, ActNorm, activation, skips) with the network's own parameter values.
func directConvNet(_ net: ConvNet<Double>, _ x: Matrix<Double>) -> [Double] {
  let d = net.description, n = x.rows, plane = d.height * d.width
  var params: [String: [Double]] = [:]
  for p in net.parameters { params[p.name] = p.value }
  func conv(_ v: [Double], _ l: Int, _ name: String) -> [Double] {
    let spec = d.convolutions[l]
    return directConvolution(
      v, batch: n, cin: spec.inputs, cout: spec.outputs, h: d.height, w: d.width, k: spec.kernel,
      weight: params[name + "weight"]!, bias: params[name + "bias"]!)
  }
  func norm(_ v: [Double], _ name: String?) -> [Double] {
    guard let name else { return v }
    let b = params[name + "bias"]!, s = params[name + "log_scale"]!, c = b.count
    var out = v
    for k in v.indices {
      let ch = (k / plane) % c
      out[k] = (v[k] + b[ch]) * Double.exp(s[ch])
    }
    return out
  }
  func act(_ v: [Double]) -> [Double] { v.map { applyActivation(d.activation, $0) } }
  let hasNorm = d.normalization == .actnorm
  var v = conv(x.storage, 0, "net.0.")
  if d.blocks == 0 {
    for l in 1..<d.kernels.count {
      v = conv(act(norm(v, hasNorm ? "net.\(3 * l - 2)." : nil)), l, hasNorm ? "net.\(3 * l)." : "net.\(2 * l).")
    }
  } else {
    for b in 0..<d.blocks {
      let e = "net.\(1 + b)."
      var u = conv(act(norm(v, hasNorm ? e + "0." : nil)), 1 + 2 * b, hasNorm ? e + "2." : e + "1.")
      u = conv(act(norm(u, hasNorm ? e + "3." : nil)), 2 + 2 * b, hasNorm ? e + "5." : e + "3.")
      v = zip(u, v).map { $0 + $1 }
    }
    v = conv(act(v), 2 * d.blocks + 1, "net.\(2 + d.blocks).")
  }
  if let f = d.outputActivation { v = v.map { applyActivation(f, $0) } }
  return v
}

/// PyTorch's definition of each activation, in Double.
func applyActivation(_ a: Activation, _ x: Double) -> Double {
  switch a {
  case .identity: return x
  case .relu: return max(x, 0)
  case .leakyReLU(let s): return x > 0 ? x : s * x
  case .tanh: return Double.tanh(x)
  case .elu(let al): return x > 0 ? x : al * (Double.exp(x) - 1)
  case .gelu: return x * (1 + Double.erf(x / 2.0.squareRoot())) / 2
  case .sigmoid: return 1 / (1 + Double.exp(-x))
  case .softplus: return Double.log(1 + Double.exp(x))
  }
}

/// Conv2D and ConvNet: forward against the definition, backward against finite differences
/// in Float64, names, initialisation and ActNorm's data-dependent start.
@Suite struct ConvNetTests {
  /// (C_in, C_out, k, H, W): every product scheme (1×1, input patches C_in ≤ C_out, output
  /// patches C_in > C_out), a 5×5 kernel wider than half the image, a non-square image.
  static let convShapes: [(Int, Int, Int, Int, Int)] = [(3, 5, 1, 4, 4), (2, 4, 3, 5, 4), (5, 2, 3, 4, 6), (2, 3, 5, 3, 3), (4, 4, 3, 6, 5)]

  @Test(arguments: 0..<convShapes.count)
  func conv2DMatchesTheDefinition(_ index: Int) {
    let (cin, cout, k, h, w) = Self.convShapes[index]
    var rng = Xoshiro256(seed: UInt64(index))
    let conv = Conv2D<Double>(inputChannels: cin, outputChannels: cout, kernelSize: k, height: h, width: w, rng: &rng)
    let n = 3, plane = h * w
    let x = normals(n * cin * plane, rng: &rng)
    let expected = directConvolution(x, batch: n, cin: cin, cout: cout, h: h, w: w, k: k, weight: conv.weight.value, bias: conv.bias.value)
    let got = fromChannelMajor(conv.forward(toChannelMajor(x, batch: n, channels: cin, plane: plane)), batch: n)
    for i in expected.indices { #expect(isClose(got[i], expected[i], relative: 1e-12, absolute: 1e-12), "[\(i)] \(got[i]) vs \(expected[i])") }
    // Float agrees with the Double definition to single precision.
    var r2 = Xoshiro256(seed: UInt64(index))
    let f = Conv2D<Float>(inputChannels: cin, outputChannels: cout, kernelSize: k, height: h, width: w, rng: &r2)
    let gotF = f.forward(toChannelMajor(x, batch: n, channels: cin, plane: plane).converted(to: Float.self)).converted(to: Double.self)
    let flat = fromChannelMajor(gotF, batch: n)
    for i in expected.indices { #expect(isClose(flat[i], expected[i], relative: 1e-5, absolute: 1e-5)) }
  }

  @Test(arguments: 0..<convShapes.count)
  func conv2DBackwardMatchesFiniteDifferences(_ index: Int) {
    let (cin, cout, k, h, w) = Self.convShapes[index]
    var rng = Xoshiro256(seed: UInt64(10 + index))
    let conv = Conv2D<Double>(inputChannels: cin, outputChannels: cout, kernelSize: k, height: h, width: w, rng: &rng)
    let n = 2, plane = h * w
    let x = toChannelMajor(normals(n * cin * plane, rng: &rng), batch: n, channels: cin, plane: plane)
    let dOut = Matrix(rows: cout, cols: n * plane, storage: normals(cout * n * plane, rng: &rng))
    func loss(_ input: Matrix<Double>) -> Double {
      let y = conv.forward(input)
      return zip(y.storage, dOut.storage).reduce(0) { $0 + $1.0 * $1.1 }
    }
    for p in conv.parameters { p.zeroGradient() }
    _ = conv.forward(x)
    let dx = conv.backward(dOut)
    let analytic = conv.parameters.map(\.gradient)
    var probe = x
    for i in x.storage.indices {
      let numeric = centralDifference(at: x.storage[i], step: 1e-5, set: { probe.storage[i] = $0 }) { loss(probe) }
      #expect(isClose(dx.storage[i], numeric), "dx[\(i)] \(dx.storage[i]) vs \(numeric)")
    }
    for (p, g) in zip(conv.parameters, analytic) {
      for i in p.value.indices {
        let numeric = centralDifference(at: p.value[i], step: 1e-5, set: { p.value[i] = $0 }) { loss(x) }
        #expect(isClose(g[i], numeric), "d\(p.name)[\(i)] \(g[i]) vs \(numeric)")
      }
    }
  }

  /// Networks covering the plain and residual layouts, with and without ActNorm.
  static let nets: [ConvNetDescription] = [
    convNet(ImageShape(c: 2, h: 4, w: 5), out: 3, kernels: [3, 1, 3], .relu),
    convNet(ImageShape(c: 1, h: 3, w: 3), out: 2, kernels: [5], .tanh, norm: .none),
    convNet(ImageShape(c: 3, h: 4, w: 4), out: 2, kernels: [1, 3], .gelu, norm: .none),
    convNet(ImageShape(c: 2, h: 4, w: 4), out: 4, kernels: [3, 3, 1], .elu(alpha: 1), blocks: 2),
    convNet(ImageShape(c: 1, h: 5, w: 4), out: 2, kernels: [3, 1, 3], .softplus, norm: .none, blocks: 1),
    // The spec's output_activation after the last conv.
    convNet(ImageShape(c: 2, h: 3, w: 4), out: 3, kernels: [3, 1], .relu, output: .tanh),
    convNet(ImageShape(c: 1, h: 4, w: 4), out: 2, kernels: [3, 3, 3], .tanh, norm: .none, blocks: 1, output: .softplus),
  ]

  /// The network with every parameter drawn at random, every ActNorm marked initialised.
  static func randomNet(_ index: Int) -> ConvNet<Double> {
    var rng = Xoshiro256(seed: UInt64(index))
    let net = ConvNet<Double>(nets[index], namePrefix: "net.", rng: &rng)
    var r2 = Xoshiro256(seed: UInt64(100 + index))
    for p in net.parameters { for i in p.value.indices { p.value[i] = 0.4 * r2.nextNormal() } }
    for b in net.buffers { b.value = [1] }
    return net
  }

  @Test(arguments: 0..<nets.count)
  func convNetMatchesTheDefinition(_ index: Int) {
    let net = Self.randomNet(index)
    var rng = Xoshiro256(seed: 7)
    let x = randomMatrix(rows: 3, cols: net.inputCount, in: -2...2, rng: &rng)
    let expected = directConvNet(net, x)
    let got = net.forward(x)
    #expect(got.rows == 3 && got.cols == net.outputCount)
    for i in expected.indices { #expect(isClose(got.storage[i], expected[i], relative: 1e-11, absolute: 1e-11), "[\(i)] \(got.storage[i]) vs \(expected[i])") }
  }

  @Test(arguments: 0..<nets.count)
  func convNetBackwardMatchesFiniteDifferences(_ index: Int) {
    let net = Self.randomNet(index)
    var rng = Xoshiro256(seed: 8)
    let x = randomMatrix(rows: 2, cols: net.inputCount, in: -2...2, rng: &rng)
    let dY = Matrix(rows: 2, cols: net.outputCount, storage: normals(2 * net.outputCount, rng: &rng))
    func loss(_ input: Matrix<Double>) -> Double { zip(net.forward(input).storage, dY.storage).reduce(0) { $0 + $1.0 * $1.1 } }
    for p in net.parameters { p.zeroGradient() }
    net.forwardRecording(x)
    let dx = net.backward(dY)
    let analytic = net.parameters.map(\.gradient)
    var probe = x
    for i in x.storage.indices {
      let numeric = centralDifference(at: x.storage[i], step: 1e-5, set: { probe.storage[i] = $0 }) { loss(probe) }
      #expect(isClose(dx.storage[i], numeric), "dx[\(i)] \(dx.storage[i]) vs \(numeric)")
    }
    for (p, g) in zip(net.parameters, analytic) {
      for i in p.value.indices {
        let numeric = centralDifference(at: p.value[i], step: 1e-5, set: { p.value[i] = $0 }) { loss(x) }
        #expect(isClose(g[i], numeric), "d\(p.name)[\(i)] \(g[i]) vs \(numeric)")
      }
    }
  }

  @Test func parameterNamesFollowTheSequentialNumbering() {
    var rng = Xoshiro256(seed: 1)
    let glow = ConvNet<Float>(convNet(ImageShape(c: 2, h: 4, w: 4), out: 4, hidden: 8, .relu, zeroInitLast: true), namePrefix: "net.", rng: &rng)
    #expect(glow.parameters.map(\.name) == [
      "net.0.weight", "net.0.bias", "net.1.bias", "net.1.log_scale", "net.3.weight", "net.3.bias",
      "net.4.bias", "net.4.log_scale", "net.6.weight", "net.6.bias",
    ])
    #expect(glow.parameters.map(\.shape) == [[8, 2, 3, 3], [8], [8], [8], [8, 8, 1, 1], [8], [8], [8], [4, 8, 3, 3], [4]])
    #expect(glow.buffers.map(\.name) == ["net.1.initialized", "net.4.initialized"])
    #expect(glow.buffers.allSatisfy { $0.shape == [] && $0.value == [0] })
    let plain = ConvNet<Float>(convNet(ImageShape(c: 1, h: 4, w: 4), out: 2, kernels: [3, 3, 3], .relu, norm: .none), namePrefix: "", rng: &rng)
    #expect(plain.parameters.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"])
    #expect(plain.buffers.isEmpty)
    let residual = ConvNet<Float>(convNet(ImageShape(c: 1, h: 4, w: 4), out: 2, kernels: [3, 3, 3], .relu, blocks: 2), namePrefix: "s.", rng: &rng)
    #expect(residual.parameters.map(\.name) == [
      "s.0.weight", "s.0.bias",
      "s.1.0.bias", "s.1.0.log_scale", "s.1.2.weight", "s.1.2.bias", "s.1.3.bias", "s.1.3.log_scale", "s.1.5.weight", "s.1.5.bias",
      "s.2.0.bias", "s.2.0.log_scale", "s.2.2.weight", "s.2.2.bias", "s.2.3.bias", "s.2.3.log_scale", "s.2.5.weight", "s.2.5.bias",
      "s.4.weight", "s.4.bias",
    ])
    let residualPlain = ConvNet<Float>(convNet(ImageShape(c: 1, h: 4, w: 4), out: 2, kernels: [3, 3, 3], .relu, norm: .none, blocks: 1), namePrefix: "", rng: &rng)
    #expect(residualPlain.parameters.map(\.name) == ["0.weight", "0.bias", "1.1.weight", "1.1.bias", "1.3.weight", "1.3.bias", "3.weight", "3.bias"])
    for d in Self.nets + [glow.description, residual.description] {
      let n = ConvNet<Double>(d, namePrefix: "", rng: &rng)
      #expect(n.parameters.reduce(0) { $0 + $1.count } == d.parameterCount)
    }
  }

  @Test func initialisationIsPyTorchsDefault() {
    var rng = Xoshiro256(seed: 3)
    let conv = Conv2D<Double>(inputChannels: 4, outputChannels: 32, kernelSize: 3, height: 2, width: 2, rng: &rng)
    // U(−1/√fan_in, 1/√fan_in), fan_in = C_in·k² = 36: bound 1/6, uniform (variance bound²/3).
    let bound = 1.0 / 6
    #expect(conv.weight.value.allSatisfy { abs($0) <= bound } && conv.bias.value.allSatisfy { abs($0) <= bound })
    let variance = conv.weight.value.reduce(0) { $0 + $1 * $1 } / Double(conv.weight.count)
    #expect(abs(variance - bound * bound / 3) < 0.1 * bound * bound / 3)
    let zero = Conv2D<Double>(inputChannels: 4, outputChannels: 2, kernelSize: 3, height: 2, width: 2, zeroInit: true, rng: &rng)
    #expect(zero.weight.value.allSatisfy { $0 == 0 } && zero.bias.value.allSatisfy { $0 == 0 })
    let net = ConvNet<Double>(convNet(ImageShape(c: 1, h: 4, w: 4), out: 2, .relu, zeroInitLast: true), namePrefix: "", rng: &rng)
    #expect(net.parameters.last!.value.allSatisfy { $0 == 0 } && net.parameters[net.parameters.count - 2].value.allSatisfy { $0 == 0 })
    #expect(net.parameters[0].value.contains { $0 != 0 })
    #expect(net.forward(Matrix(rows: 2, cols: 16, storage: (0..<32).map { Double($0) })).storage.allSatisfy { $0 == 0 })
  }

  @Test func actNormInitialisesFromTheFirstTrainingBatchOnly() {
    var rng = Xoshiro256(seed: 4)
    let d = convNet(ImageShape(c: 2, h: 4, w: 4), out: 2, hidden: 3, kernels: [3, 3], .identity)
    let net = ConvNet<Double>(d, namePrefix: "", rng: &rng)
    let x = randomMatrix(rows: 5, cols: 32, in: -1...3, rng: &rng)
    // Evaluation passes and `forward` never initialise.
    net.forward(x)
    #expect(net.buffers[0].value == [0])
    net.isTraining = false
    net.forwardRecording(x)
    #expect(net.buffers[0].value == [0])
    net.isTraining = true
    net.forwardRecording(x)
    #expect(net.buffers[0].value == [1])
    // After initialisation the first conv's output, normalised, has zero mean and unit
    // variance per channel over the batch's 5·16 values.
    let conv0 = ConvNet<Double>(
      ConvNetDescription(inputChannels: 2, height: 4, width: 4, outputChannels: 3, hiddenChannels: 3, kernels: [3], normalization: .none, zeroInitLast: false),
      namePrefix: "", rng: &rng)
    for (p, q) in zip(conv0.parameters, net.parameters.prefix(2)) { p.value = q.value }
    let c = conv0.forward(x)
    let bias = net.parameters[2].value, logScale = net.parameters[3].value
    for ch in 0..<3 {
      var values: [Double] = []
      for r in 0..<5 { for s in 0..<16 { values.append((c[r, ch * 16 + s] + bias[ch]) * Double.exp(logScale[ch])) } }
      let mean = values.reduce(0, +) / 80
      let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 80
      #expect(abs(mean) < 1e-12 && abs(variance - 1) < 1e-4, "channel \(ch): mean \(mean), variance \(variance)")
    }
    // A second training batch leaves the parameters alone.
    let before = net.parameters.map(\.value)
    net.forwardRecording(randomMatrix(rows: 4, cols: 32, in: -5...5, rng: &rng))
    #expect(net.parameters.map(\.value) == before)
  }
}
