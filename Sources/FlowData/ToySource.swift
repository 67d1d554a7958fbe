import FlowRandom

/// The built-in 2-D toy densities a spec can name instead of a file.
public enum ToySource: String, Sendable, CaseIterable {
  /// scikit-learn's `make_moons` (see `makeMoons`); options: `noise`.
  case moons
  /// scikit-learn's `make_circles` (see `makeCircles`); options: `noise`, `factor`.
  case circles
  /// FFJORD's eight Gaussians (see `makeEightGaussians`); no options.
  case eightGaussians = "eight_gaussians"
  /// FFJORD's checkerboard (see `makeCheckerboard`); no options.
  case checkerboard
  /// FFJORD's two spirals (see `makeTwoSpirals`); no options.
  case twoSpirals = "two_spirals"
  /// FFJORD's pinwheel (see `makePinwheel`); no options.
  case pinwheel

  /// The name datasets and messages use as their source, e.g. `moons (toy data)`.
  public var sourceName: String { "\(rawValue) (toy data)" }

  /// The options this source reads; giving any other is an error, so a typo in a spec
  /// never silently falls back to a default.
  public var optionNames: Set<String> {
    switch self {
    case .moons: ["noise"]
    case .circles: ["noise", "factor"]
    case .eightGaussians, .checkerboard, .twoSpirals, .pinwheel: []
    }
  }

  /// Draws `count` points.
  ///
  /// - Throws: `DataError` (`invalidOption`) when an option is out of range or not one this
  ///   source reads, or the count is negative.
  public func sample(count: Int, options: ToyOptions = ToyOptions(), generator: inout Xoshiro256) throws -> Dataset {
    try options.check(for: self)
    guard count >= 0 else {
      throw DataError(path: sourceName, .invalidOption(name: "count", value: "\(count)", expected: "zero or more points"))
    }
    switch self {
    case .moons: return makeMoons(count: count, noise: options.noise ?? 0, generator: &generator)
    case .circles:
      return makeCircles(count: count, noise: options.noise ?? 0, factor: options.factor ?? 0.8, generator: &generator)
    case .eightGaussians: return makeEightGaussians(count: count, generator: &generator)
    case .checkerboard: return makeCheckerboard(count: count, generator: &generator)
    case .twoSpirals: return makeTwoSpirals(count: count, generator: &generator)
    case .pinwheel: return makePinwheel(count: count, generator: &generator)
    }
  }
}

/// The tunable numbers of the toy sources; nil means the source's default (scikit-learn's:
/// no noise, factor 0.8).
public struct ToyOptions: Sendable, Equatable {
  /// The standard deviation of the Gaussian noise added to each coordinate (moons, circles).
  public var noise: Double?
  /// The inner circle's radius relative to the outer (circles), in [0, 1).
  public var factor: Double?

  /// Creates options; unset ones take the source's default.
  public init(noise: Double? = nil, factor: Double? = nil) {
    self.noise = noise
    self.factor = factor
  }

  /// Checks the values and that `source` reads every option given.
  ///
  /// - Throws: `DataError` (`invalidOption`).
  public func check(for source: ToySource) throws {
    let given: [(String, Double?)] = [("noise", noise), ("factor", factor)]
    for (name, value) in given where value != nil && !source.optionNames.contains(name) {
      let accepted = source.optionNames.isEmpty ? "none" : source.optionNames.sorted().joined(separator: ", ")
      throw DataError(
        path: source.sourceName,
        .invalidOption(name: "option '\(name)'", value: "\(value!)", expected: "only the options \(source.rawValue) reads (\(accepted))"))
    }
    if let noise, !(noise >= 0 && noise.isFinite) {
      throw DataError(path: source.sourceName, .invalidOption(name: "noise", value: "\(noise)", expected: "a finite number ≥ 0"))
    }
    if let factor, !(factor >= 0 && factor < 1) {
      throw DataError(path: source.sourceName, .invalidOption(name: "factor", value: "\(factor)", expected: "a number in [0, 1)"))
    }
  }
}

/// Hands out training batches from a toy source, in one of the two usual ways.
///
/// `fresh`: every batch is a new draw, as the seed notebook does (`make_moons(100, ...)` in
/// the training loop): the model never sees a point twice, so there is no overfitting to
/// measure. `fixed`: a training set of a given size is drawn once and batches are taken
/// from it epoch by epoch, as with a file, so train and test losses can diverge as they
/// would on real data.
public struct ToySampler: Sendable {
  /// How batches are made.
  public enum Mode: Sendable, Equatable {
    /// A new draw for every batch.
    case fresh
    /// Batches from one set of `count` points drawn at the start.
    case fixed(count: Int)
  }

  /// The source drawn from.
  public let source: ToySource
  /// Its options.
  public let options: ToyOptions
  /// Fresh or fixed.
  public let mode: Mode
  /// The generator for fresh draws.
  var generator: Xoshiro256
  /// The batcher over the fixed set, in fixed mode.
  var batches: BatchSampler?

  /// Creates a sampler; in fixed mode the set is drawn here.
  ///
  /// - Throws: `DataError` for invalid options or a fixed count below 1.
  public init(source: ToySource, options: ToyOptions = ToyOptions(), mode: Mode, generator: Xoshiro256) throws {
    self.source = source
    self.options = options
    self.mode = mode
    self.generator = generator
    try options.check(for: source)
    if case .fixed(let count) = mode {
      guard count > 0 else {
        throw DataError(path: source.sourceName, .invalidOption(name: "fixed size", value: "\(count)", expected: "at least one point"))
      }
      let set = try source.sample(count: count, options: options, generator: &self.generator)
      batches = BatchSampler(data: set, generator: self.generator)
    }
  }

  /// The next batch copied into `values`; returns its row count. In fixed mode this
  /// allocates nothing (see `BatchSampler.nextBatch(_:into:)`); fresh draws build their
  /// points first (a few hundred numbers for a toy batch).
  public mutating func nextBatch(_ size: Int, into values: inout [Float]) -> Int {
    if batches != nil { return batches!.nextBatch(size, into: &values) }
    let b = nextBatch(size)
    if values.count != b.values.count { values = [Float](repeating: 0, count: b.values.count) }
    for i in b.values.indices { values[i] = b.values[i] }
    return b.count
  }

  /// The next batch of `size` points (fewer at the end of an epoch in fixed mode).
  public mutating func nextBatch(_ size: Int) -> Dataset {
    precondition(size > 0, "a batch needs at least one point")
    if batches != nil { return batches!.nextBatch(size) }
    // Options were checked in init, so sampling cannot fail here.
    return try! source.sample(count: size, options: options, generator: &generator)
  }
}
