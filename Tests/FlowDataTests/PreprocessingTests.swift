import FlowData
import FlowRandom
import Foundation
import Testing

@Suite struct PreprocessingTests {
  @Test func dequantizationStaysInThePixelsIntervalAndIsFreshEachBatch() {
    let pixels: [Float] = [0, 1, 254, 255, 255, 255, 128, 7]
    var g = Xoshiro256(seed: 1, stream: "dequantize")
    let chain = try! Preprocessing([.dequantize])
    var a = pixels
    var b = pixels
    let ldA = chain.apply(to: &a, dimension: 4, generator: &g)
    _ = chain.apply(to: &b, dimension: 4, generator: &g)
    #expect(ldA == [0, 0], "dequantization contributes no log|det|")
    for i in pixels.indices {
      #expect(a[i] >= pixels[i] && a[i] < pixels[i] + 1)
      #expect(b[i] >= pixels[i] && b[i] < pixels[i] + 1)
    }
    #expect(a != b, "a new batch gets new noise")
    var g2 = Xoshiro256(seed: 1, stream: "dequantize")
    var c = pixels
    _ = chain.apply(to: &c, dimension: 4, generator: &g2)
    #expect(c == a, "the same seed gives the same noise")
  }

  @Test func scaleLogDet() {
    var v: [Float] = [0, 128, 255.5, 1, 2, 3]
    var g = Xoshiro256(seed: 0)
    let ld = try! Preprocessing([.scale(levels: 256)]).apply(to: &v, dimension: 3, generator: &g)
    let expected: [Float] = [0, 0.5, 255.5 / 256, 1.0 / 256, 2.0 / 256, 3.0 / 256]
    #expect(v == expected)
    #expect(ld.allSatisfy { close($0, -3 * log(256.0), rtol: 1e-12) })
  }

  /// log|dz/dx| of each deterministic chain against central differences of z, element by
  /// element (every step is elementwise, so the Jacobian is diagonal).
  @Test(arguments: [[PreprocessStep.logit(alpha: 0.05)], [.scale(levels: 256), .logit(alpha: 0.05)], [.logit(alpha: 0.2)]])
  func logDetMatchesFiniteDifferences(steps: [PreprocessStep]) throws {
    let chain = try Preprocessing(steps)
    let scaled = steps.contains(.scale(levels: 256))
    let xs: [Float] = scaled ? [1.5, 30.25, 128, 200.75, 254.5] : [0.01, 0.25, 0.5, 0.8, 0.99]
    var g = Xoshiro256(seed: 0)
    var row = xs
    let logDet = chain.apply(to: &row, dimension: xs.count, generator: &g)[0]
    var fd = 0.0
    let h: Float = scaled ? 1.0 / 16 : 1.0 / 1024
    for x in xs {
      var plus = [x + h]
      var minus = [x - h]
      _ = chain.apply(to: &plus, dimension: 1, generator: &g)
      _ = chain.apply(to: &minus, dimension: 1, generator: &g)
      fd += log(abs(Double(plus[0] - minus[0]) / Double(2 * h)))
    }
    #expect(close(logDet, fd, rtol: 1e-3, atol: 1e-3), "analytic \(logDet), finite differences \(fd)")
  }

  @Test func inverseUndoesTheChain() throws {
    let chain = try Preprocessing([.scale(levels: 256), .logit(alpha: 0.05)])
    let xs: [Float] = [0, 0.5, 17.25, 128, 255.9]
    var v = xs
    var g = Xoshiro256(seed: 0)
    _ = chain.apply(to: &v, dimension: 5, generator: &g)
    chain.invert(&v)
    for (a, b) in zip(v, xs) { #expect(abs(a - b) <= 1e-3 * max(1, b)) }
  }

  @Test func pixelsSurviveTheRealNVPChain() {
    let pixels = (0..<256).map(Float.init)
    var v = pixels
    var g = Xoshiro256(seed: 2, stream: "dequantize")
    let chain = Preprocessing.realNVP()
    _ = chain.apply(to: &v, dimension: 256, generator: &g)
    #expect(chain.toPixels(v) == (0..<256).map(UInt8.init))
    // Samples outside the data's range are clamped to displayable pixels.
    #expect(chain.toPixels([-40, 40, .nan]) == [0, 255, 0])
  }

  @Test func invalidConstants() {
    expectDataError("data-invalid-option") { _ = try Preprocessing([.logit(alpha: 0.5)]) }
    expectDataError("data-invalid-option") { _ = try Preprocessing([.logit(alpha: 0)]) }
    expectDataError("data-invalid-option") { _ = try Preprocessing([.scale(levels: 1)]) }
  }

  /// One pixel, dequantized to 0.5, scaled by 256, logit with α = 0.05, under a standard
  /// normal "flow". By hand:
  ///   x' = 0.5 / 256 = 0.001953125
  ///   y  = 0.05 + 0.9 · 0.001953125 = 0.0517578125
  ///   z  = ln y − ln(1 − y) = −2.908034554739203
  ///   log|det| = −ln 256 + ln 0.9 − ln y − ln(1 − y) = −2.6362127307819287
  ///   NLL_flow = z²/2 + ln(2π)/2 = 5.1472710189832895
  ///   bpd = (5.1472710189832895 + 2.6362127307819287) / ln 2 = 11.229193406626115
  @Test func bitsPerDimensionHandComputed() throws {
    var v: [Float] = [0.5]
    var g = Xoshiro256(seed: 0)
    let logDet = try Preprocessing([.scale(levels: 256), .logit(alpha: 0.05)]).apply(to: &v, dimension: 1, generator: &g)
    #expect(close(Double(v[0]), -2.908034554739203, rtol: 1e-6))
    #expect(close(logDet[0], -2.6362127307819287, rtol: 1e-9))
    let nll = 0.5 * Double(v[0]) * Double(v[0]) + 0.5 * log(2 * Double.pi)
    let bpd = bitsPerDimension(negativeLogLikelihood: nll, preprocessingLogAbsDet: logDet[0], dimension: 1)
    #expect(close(bpd, 11.229193406626115, rtol: 1e-6))
  }

  /// If the flow were exactly the image of Uniform[0, 256)^D under the chain, its NLL on
  /// z would be D·ln 256 + log|det| (change of variables), and bits/dim must come out at
  /// exactly 8: the correction removes the preprocessing's constants.
  @Test func uniformPixelsAreEightBitsPerDimension() {
    let d = 784
    var g = Xoshiro256(seed: 3, stream: "pixels")
    var v = (0..<(4 * d)).map { _ in Float(g.nextInt(below: 256)) }
    let logDet = Preprocessing.realNVP().apply(to: &v, dimension: d, generator: &g)
    let nll = logDet.map { Double(d) * log(256.0) + $0 }
    #expect(close(meanBitsPerDimension(negativeLogLikelihoods: nll, preprocessingLogAbsDets: logDet, dimension: d), 8, rtol: 1e-12))
  }
}
