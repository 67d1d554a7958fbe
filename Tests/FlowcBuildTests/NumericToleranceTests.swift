import FlowcBuild
import Testing

/// `check --numeric` judges the log-det gap relative to the log-det's size (numpy's
/// allclose): the brute-force Jacobian of a 784-dimensional image flow is itself off by
/// ~1e-4 where |log|det J|| is ~100, while a 2-dimensional flow keeps the absolute 1e-4.
@Suite struct NumericToleranceTests {
  static func report(_ error: Double, magnitude: Double, roundTrip: Double = 1e-12) -> NumericReport {
    NumericReport(rows: [.init(index: nil, kind: "flow", roundTrip: roundTrip, logDetError: error, logDetMagnitude: magnitude)],
                  points: 2, roundTripTolerance: 1e-6, logDetTolerance: 1e-4)
  }

  @Test func theLogDetGapIsRelativeToTheLogDet() {
    #expect(Self.report(1.24e-4, magnitude: 60).passed)   // examples/04-images.yaml's whole flow
    #expect(!Self.report(1.24e-4, magnitude: 0.1).passed)
    #expect(Self.report(0.9e-4, magnitude: 0).passed)
    #expect(!Self.report(0.1, magnitude: 60).passed, "a wrong log-det is still far outside")
    #expect(!Self.report(.infinity, magnitude: 60).passed)
    #expect(!Self.report(1e-8, magnitude: 1, roundTrip: 1e-3).passed)
  }
}
