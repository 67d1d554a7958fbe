import FlowRandom
import FlowRuntime
import Testing

/// The one generic property check every bijector kind and option combination goes
/// through (zuko `tests/test_transforms.py`, nflows `transform_test.py`), in Float64:
/// 1. inverse(forward(x)) = x and the two log-dets cancel;
/// 2. log|det| equals log|det J| of a brute-force Jacobian (central differences, per row);
/// 3. backward's dL/dx and every parameter gradient match central differences of
///    L = Σ dY⊙y + Σ dL⊙log|det| with relative error below 1e-6.
@Suite struct BijectorPropertyTests {
  /// Finite-difference step: central differences have O(h²) truncation error and
  /// O(ε/h) rounding error; h = 1e-5 puts both near 1e-10 in Float64.
  static let h = 1e-5

  @Test(arguments: makeBijectorCases())
  func properties(_ c: BijectorCase) {
    var rng = Xoshiro256(seed: 1234, stream: c.name)
    let layer = c.make()
    let d = layer.dimension
    let x = randomMatrix(rows: c.rows, cols: d, in: c.domain, rng: &rng)
    let dY = Matrix(rows: c.rows, cols: d, storage: normals(c.rows * d, rng: &rng))
    let dL = normals(c.rows, rng: &rng)

    // Analytic gradients from one recording pass (which may initialise ActNorm).
    layer.zeroGradients()
    let recorded = layer.forwardRecording(x)
    let dX = layer.backward(dY: dY, dLogAbsDet: dL)
    let analytic = layer.parameters.map { $0.gradient }
    let (y, ld) = layer.forward(x)
    for k in y.storage.indices { #expect(isClose(y.storage[k], recorded.y.storage[k], absolute: 1e-12)) }
    for r in ld.indices { #expect(isClose(ld[r], recorded.logAbsDet[r], absolute: 1e-12)) }
    #expect(y.isFinite && ld.allSatisfy(\.isFinite))

    // 1. Round trip.
    if c.roundTrip {
      let (back, inverseLD) = layer.inverse(y)
      var worst = 0.0
      for k in x.storage.indices { worst = max(worst, abs(back.storage[k] - x.storage[k])) }
      #expect(worst < 1e-9, "max |g(f(x)) - x| = \(worst)")
      for r in 0..<c.rows { #expect(isClose(inverseLD[r], -ld[r], absolute: 1e-9), "row \(r): inverse log-det \(inverseLD[r]) vs \(-ld[r])") }
    }

    // 2. Log-det against a finite-difference Jacobian, row by row.
    let perRow = c.perRowEquivalent?(layer, x) ?? layer
    let (_, perRowLD) = perRow.forward(x)
    for r in 0..<c.rows {
      var jacobian = [Double](repeating: 0, count: d * d)
      var probe = x
      for j in 0..<d {
        let v = x[r, j]
        probe[r, j] = v + Self.h
        let up = perRow.forward(probe).y
        probe[r, j] = v - Self.h
        let down = perRow.forward(probe).y
        probe[r, j] = v
        for i in 0..<d { jacobian[i * d + j] = (up[r, i] - down[r, i]) / (2 * Self.h) }
      }
      let expected = logAbsDeterminant(jacobian, d)
      #expect(isClose(perRowLD[r], expected, relative: 1e-6, absolute: 1e-7), "row \(r): log|det| \(perRowLD[r]) vs Jacobian \(expected)")
    }

    // 3. Gradients against central differences of the weighted sum.
    func loss(_ input: Matrix<Double>) -> Double {
      let (y, ld) = layer.forward(input)
      return weightedSum(y, ld, dY: dY, dL: dL)
    }
    var probe = x
    for k in x.storage.indices {
      let numeric = centralDifference(at: x.storage[k], step: Self.h, set: { probe.storage[k] = $0 }) { loss(probe) }
      #expect(isClose(dX.storage[k], numeric), "dL/dx[\(k)]: backward \(dX.storage[k]) vs numeric \(numeric)")
    }
    for (p, grad) in zip(layer.parameters, analytic) {
      for k in p.value.indices {
        let numeric = centralDifference(at: p.value[k], step: Self.h, set: { p.value[k] = $0 }) { loss(x) }
        #expect(isClose(grad[k], numeric), "dL/d\(p.name)[\(k)]: backward \(grad[k]) vs numeric \(numeric)")
      }
    }
  }
}
