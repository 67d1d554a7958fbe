import FlowRandom
import FlowRuntime
import Testing

/// The dense building blocks: BLAS products in both precisions, the MLP's PyTorch
/// semantics, and the LU layer's orthogonal start.
@Suite struct LinearAlgebraTests {
  @Test func mlpComputesLinearLayersLikePyTorch() {
    var rng = Xoshiro256(seed: 1)
    let mlp = MLP<Float>(MLPDescription(inputs: 3, hidden: [], outputs: 2, activation: .relu), namePrefix: "", rng: &rng)
    mlp.weights[0].value = [1, 2, 3, -1, 0, 1]
    mlp.biases[0].value = [0.5, -0.5]
    mlp.forward(Matrix([[1, 1, 1], [2, 0, -1]]))
    // y = x·Wᵀ + b, no activation after the only (output) layer.
    #expect(mlp.output == Matrix([[6.5, -0.5], [-0.5, -3.5]]))
    #expect(mlp.parameters.map(\.name) == ["0.weight", "0.bias"])
    // PyTorch's default init bound 1/√in.
    var r2 = Xoshiro256(seed: 2)
    let big = MLP<Double>(MLPDescription(inputs: 16, hidden: [64], outputs: 4, activation: .gelu, zeroInitLast: true), namePrefix: "n.", rng: &r2)
    #expect(big.weights[0].value.allSatisfy { abs($0) <= 0.25 } && big.weights[0].value.contains { abs($0) > 0.2 })
    #expect(big.weights[1].value.allSatisfy { $0 == 0 } && big.biases[1].value.allSatisfy { $0 == 0 })
    #expect(big.parameters.map(\.name) == ["n.0.weight", "n.0.bias", "n.2.weight", "n.2.bias"])
  }

  /// `forward` (evaluation: scratch buffers, nothing kept) and `forwardRecording`
  /// (training: every activation kept for `backward`) compute the same numbers, to the bit.
  @Test func mlpForwardKeepingNothingMatchesTheRecordingPass() {
    for (hidden, activation) in [([7, 3], Activation.tanh), ([5], .relu), ([], .leakyReLU(slope: 0.01)), ([9, 9, 2], .gelu)] {
      var rng = Xoshiro256(seed: UInt64(hidden.count + 3))
      let d = MLPDescription(inputs: 5, hidden: hidden, outputs: 4, activation: activation, outputActivation: .tanh)
      let mlp = MLP<Float>(d, namePrefix: "", rng: &rng)
      for rows in [6, 1, 0] {
        let x = Matrix(rows: rows, cols: 5, storage: (0..<rows * 5).map { _ in Float(2 * rng.nextUniform() - 1) })
        let kept = mlp.forwardRecording(x)
        let evaluated = mlp.forward(x)
        #expect(kept == evaluated, "hidden \(hidden), \(rows) rows")
        #expect(evaluated.rows == rows && evaluated.cols == 4)
      }
    }
  }

  @Test func geluIsTheExactErfForm() {
    var rng = Xoshiro256(seed: 1)
    let mlp = MLP<Double>(MLPDescription(inputs: 1, hidden: [1], outputs: 1, activation: .gelu), namePrefix: "", rng: &rng)
    mlp.weights[0].value = [1]
    mlp.biases[0].value = [0]
    mlp.weights[1].value = [1]
    mlp.biases[1].value = [0]
    mlp.forwardRecording(Matrix([[0.7]]))
    // torch.nn.functional.gelu(0.7) and its derivative, float64.
    #expect(isClose(mlp.output[0, 0], 0.5306254434438489, relative: 1e-14))
    for p in mlp.parameters { p.zeroGradient() }
    mlp.backward(Matrix([[1]]))
    #expect(isClose(mlp.inputGradient[0, 0], 0.9766141011336599, relative: 1e-14))
  }

  @Test func batchNormRunningAveragesFollowPyTorch() {
    let bn = BatchNorm<Double>(dimension: 2, momentum: 0.1, epsilon: 1e-5)
    _ = bn.forwardRecording(Matrix([[1, 2], [3, 5], [4, -1]]))
    // torch.nn.BatchNorm1d(2, momentum=0.1) after one training batch: unbiased running variance.
    #expect(zip(bn.runningMean.value, [0.26666666666666666, 0.2]).allSatisfy { isClose($0, $1, relative: 1e-12) })
    #expect(zip(bn.runningVar.value, [1.1333333333333333, 1.8]).allSatisfy { isClose($0, $1, relative: 1e-12) })
  }

  @Test func floatAndDoubleFlowsAgree() {
    var rng = Xoshiro256(seed: 4)
    let description = seedRealNVP(seed: 9)
    let f = buildFlow(description, as: Float.self), d = buildFlow(description, as: Double.self)
    let x = randomMatrix(rows: 10, cols: 2, in: -1...1, rng: &rng)
    let lf = f.logProb(x.converted(to: Float.self)), ld = d.logProb(x)
    for r in 0..<10 { #expect(isClose(Double(lf[r]), ld[r], relative: 1e-4, absolute: 1e-4)) }
  }

  @Test func luLinearStartsOrthogonal() {
    let lu = LULinear<Double>(dimension: 5, initialization: .orthogonal, seed: 7)
    var rng = Xoshiro256(seed: 1)
    let eye = Matrix<Double>(rows: 5, cols: 5, storage: (0..<25).map { $0 % 6 == 0 ? 1 : 0 })
    // The rows of W·I, i.e. the columns of Wᵀ... forward(I) = I·Wᵀ = Wᵀ: its rows are W's columns.
    let wt = lu.forward(eye).y
    for i in 0..<5 {
      for j in 0..<5 {
        var dot = 0.0
        for k in 0..<5 { dot += wt[i, k] * wt[j, k] }
        #expect(isClose(dot, i == j ? 1 : 0, absolute: 1e-12))
      }
    }
    // |det| of an orthogonal matrix is 1.
    #expect(abs(lu.forward(randomMatrix(rows: 1, cols: 5, in: -1...1, rng: &rng)).logAbsDet[0]) < 1e-12)
  }
}

/// The BLAS description a runner reports.
@Suite struct BLASConfigurationTests {
  @Test func reportsTheLibrary() {
    #expect(BLASConfiguration.buildDescription.contains("OpenBLAS"))
    #expect(!BLASConfiguration.coreName.isEmpty)
    #expect(BLASConfiguration.threadCount >= 1)
  }
}
