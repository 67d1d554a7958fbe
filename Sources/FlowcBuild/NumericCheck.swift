import Foundation
import FlowRandom
import FlowRuntime
import FlowcIR

/// `flowc check --numeric`: builds the flow with random weights in Float64 and measures,
/// for each layer and for the whole flow, the inverse round-trip error and the gap
/// between the layer's log|det| and log|det J| of a Jacobian computed by brute force
/// (central differences). A layer whose inverse or log-det is wrong shows here before a
/// single training step.
package struct NumericReport: Sendable {
  package struct Row: Sendable {
    /// Node index, or nil for the whole flow.
    package var index: Int?
    package var kind: String
    /// max |g(f(x)) − x| over the test points.
    package var roundTrip: Double
    /// max |log-det − log|det J_fd|| over the test points (nil when D is too large to
    /// form the Jacobian).
    package var logDetError: Double?
    /// max |log|det J_fd|| over the same points, the scale the error is judged against.
    package var logDetMagnitude: Double

    package init(index: Int?, kind: String, roundTrip: Double, logDetError: Double?, logDetMagnitude: Double = 0) {
      self.index = index
      self.kind = kind
      self.roundTrip = roundTrip
      self.logDetError = logDetError
      self.logDetMagnitude = logDetMagnitude
    }
  }

  package var rows: [Row]
  package var points: Int
  package var roundTripTolerance: Double
  package var logDetTolerance: Double

  package init(rows: [Row], points: Int, roundTripTolerance: Double, logDetTolerance: Double) {
    self.rows = rows
    self.points = points
    self.roundTripTolerance = roundTripTolerance
    self.logDetTolerance = logDetTolerance
  }

  /// Whether `row` is within both tolerances. The log-det gap is judged as numpy's
  /// allclose does, `logDetTolerance` × (1 + |log|det J||): central differences put an
  /// error of ~1e-11 in each of the D² Jacobian entries, so the brute-force log-det of a
  /// 784-dimensional image flow is itself off by ~1e-4 where its value is ~100.
  package func passes(_ row: Row) -> Bool {
    row.roundTrip <= roundTripTolerance && (row.logDetError ?? 0) <= logDetTolerance * (1 + row.logDetMagnitude)
  }

  /// Whether every row is within both tolerances.
  package var passed: Bool { rows.allSatisfy(passes) }
}

/// Dimensions above this skip the brute-force Jacobian (it costs 2·D forward passes and
/// an O(D³) determinant per point).
let maxJacobianDimension = 1024

package func numericCheck(_ v: ValidatedGraph, points: Int = 4, seed: UInt64 = 0,
                         roundTripTolerance: Double = 1e-6, logDetTolerance: Double = 1e-4) -> NumericReport {
  let g = v.graph
  let d = g.dimension.value
  let flow = buildFlow(flowDescription(v, seed: Int(truncatingIfNeeded: seed)), as: Double.self)
  var rng = Xoshiro256(seed: seed, stream: "numeric-check")
  // Random weights everywhere, also where the spec starts a layer at zero or the
  // identity: a zero layer would pass any check.
  for p in flow.parameters {
    p.value.withUnsafeMutableBufferPointer { buf in
      for i in buf.indices { buf[i] += 0.05 * rng.nextNormal() }
    }
  }
  // Data-dependent layers (ActNorm) initialise on a first batch, BatchNorm gathers
  // running statistics; then everything is evaluated in inference mode.
  var warm = Matrix<Double>(rows: 64, cols: d)
  for i in warm.storage.indices { warm.storage[i] = rng.nextNormal() }
  // A conditional flow is checked with a fixed context: each point has its own class
  // (or its own standard-normal values for a real-valued context), and the brute-force
  // Jacobian of a point keeps that context for every probe.
  let encoding = flow.context?.encoding
  let classes = max(1, encoding?.classes ?? 1)
  let contextWidth = encoding.map { $0.isClassLabel ? 1 : $0.width } ?? 1
  func makeContext(_ count: Int, _ label: (Int) -> Int) -> ContextRows {
    guard let encoding, !encoding.isClassLabel else { return .labels((0..<count).map(label)) }
    return .values((0..<(count * encoding.width)).map { _ in Float(rng.nextNormal()) })
  }
  flow.setContext(makeContext(64) { $0 % classes })
  flow.isTraining = true
  _ = flow.lossAndGradients(warm)
  flow.isTraining = false

  let n = d > 64 ? min(points, 2) : points
  var x = Matrix<Double>(rows: n, cols: d)
  for i in x.storage.indices { x.storage[i] = 0.8 * rng.nextNormal() }
  let pointContext = makeContext(n) { ($0 * 7 + 1) % classes }
  flow.setContext(pointContext)
  /// `f` on the probes of point `r`, with that point's context; the points' context after.
  func probing(_ f: @escaping (Matrix<Double>) -> Matrix<Double>) -> (Matrix<Double>, Int) -> Matrix<Double> {
    { probes, r in
      flow.setContext(pointContext.repeating(row: r, count: probes.rows, width: contextWidth))
      defer { flow.setContext(pointContext) }
      return f(probes)
    }
  }

  var rows: [NumericReport.Row] = []
  var input = x
  for (i, layer) in flow.transform.layers.enumerated() {
    // After a split the chain goes on with the first features only (`Composed` parks the
    // factored ones for the prior).
    if layer.dimension < input.cols { input = leadingColumns(input, layer.dimension) }
    let (y, ld) = layer.forward(input)
    let back = layer.inverse(y).x
    let rt = maxAbsDifference(back.storage, input.storage)
    let ldErr = input.cols <= maxJacobianDimension ? logDetError(input, ld, probing { layer.forward($0).y }) : nil
    rows.append(.init(index: i, kind: g.nodes[i].op.kind, roundTrip: rt, logDetError: ldErr?.error,
                      logDetMagnitude: ldErr?.magnitude ?? 0))
    input = y
  }
  let (z, ld) = flow.forward(x)
  let rt = maxAbsDifference(flow.inverse(z).x.storage, x.storage)
  let ldErr = d <= maxJacobianDimension ? logDetError(x, ld, probing { flow.forward($0).z }) : nil
  rows.append(.init(index: nil, kind: "flow", roundTrip: rt, logDetError: ldErr?.error, logDetMagnitude: ldErr?.magnitude ?? 0))
  return NumericReport(rows: rows, points: n, roundTripTolerance: roundTripTolerance, logDetTolerance: logDetTolerance)
}

/// The first `k` columns of `m`.
private func leadingColumns(_ m: Matrix<Double>, _ k: Int) -> Matrix<Double> {
  var out = Matrix<Double>(rows: m.rows, cols: k)
  for r in 0..<m.rows { for c in 0..<k { out.storage[r * k + c] = m.storage[r * m.cols + c] } }
  return out
}

private func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
  var worst = 0.0
  for i in a.indices {
    let diff = abs(a[i] - b[i])
    if diff.isNaN { return .infinity }
    worst = max(worst, diff)
  }
  return worst
}

/// max over rows of |logDet[r] − log|det J(x_r)||, J by central differences (all 2·D
/// perturbed copies of row r go through `f(probes, r)` in one batch), and max |log|det J(x_r)||.
private func logDetError(_ x: Matrix<Double>, _ logDet: [Double],
                         _ f: (Matrix<Double>, Int) -> Matrix<Double>) -> (error: Double, magnitude: Double) {
  let d = x.cols
  let h = 1e-5
  var worst = 0.0
  var magnitude = 0.0
  for r in 0..<x.rows {
    var probes = Matrix<Double>(rows: 2 * d, cols: d)
    for j in 0..<d {
      for k in 0..<d {
        let v = x[r, k]
        probes.storage[(2 * j) * d + k] = v
        probes.storage[(2 * j + 1) * d + k] = v
      }
      probes.storage[(2 * j) * d + j] += h
      probes.storage[(2 * j + 1) * d + j] -= h
    }
    let out = f(probes, r)
    // J[i][j] = ∂y_i/∂x_j, stored row-major.
    var jac = [Double](repeating: 0, count: d * d)
    for j in 0..<d {
      for i in 0..<d {
        jac[i * d + j] = (out.storage[(2 * j) * d + i] - out.storage[(2 * j + 1) * d + i]) / (2 * h)
      }
    }
    let bruteForce = logAbsDeterminant(jac, dimension: d)
    let diff = abs(bruteForce - logDet[r])
    worst = diff.isNaN ? .infinity : max(worst, diff)
    if bruteForce.isFinite { magnitude = max(magnitude, abs(bruteForce)) }
  }
  return (worst, magnitude)
}
