import FlowRandom

/// The three parts of a dataset after a split. Parts may be empty (count 0) when the
/// split asks for no validation or test rows.
public struct DatasetSplit: Sendable, Equatable {
  /// The rows to train on.
  public var train: Dataset
  /// The rows for early stopping and model selection.
  public var validation: Dataset
  /// The held-out rows reported at the end.
  public var test: Dataset
}

/// How many rows go to each part of a split.
public struct SplitCounts: Sendable, Equatable {
  /// Rows for training.
  public var train: Int
  /// Rows for validation.
  public var validation: Int
  /// Rows for the test set.
  public var test: Int

  /// Creates the counts; they are checked against the dataset when splitting.
  public init(train: Int, validation: Int, test: Int) {
    self.train = train
    self.validation = validation
    self.test = test
  }

  /// Counts from fractions of `count` rows.
  ///
  /// Validation and test get `round(fraction × count)` rows each; training gets
  /// `round(train × count)`, but when the three fractions sum to 1 training takes exactly
  /// the rest, so no row is lost to rounding.
  ///
  /// - Throws: `DataError` (`invalidOption`) for a negative fraction or fractions summing
  ///   past 1.
  public init(fractions train: Double, _ validation: Double, _ test: Double, of count: Int, source: String)
    throws
  {
    let sum = train + validation + test
    for (name, f) in [("train fraction", train), ("validation fraction", validation), ("test fraction", test)]
    where !(f >= 0 && f <= 1) {
      throw DataError(path: source, .invalidOption(name: name, value: "\(f)", expected: "a number in [0, 1]"))
    }
    guard sum <= 1 + 1e-9 else {
      throw DataError(
        path: source,
        .invalidOption(name: "split fractions", value: "summing to \(sum)", expected: "fractions summing to at most 1"))
    }
    let v = Int((validation * Double(count)).rounded())
    let t = Int((test * Double(count)).rounded())
    let rest = max(0, count - v - t)
    let tr = abs(sum - 1) <= 1e-9 ? rest : min(rest, Int((train * Double(count)).rounded()))
    self.init(train: tr, validation: min(v, count), test: min(t, max(0, count - v)))
  }
}

extension Dataset {
  /// The rows in a seeded random order (Fisher-Yates through `Xoshiro256.permutation`), so
  /// the same seed always gives the same order.
  public func shuffled(using generator: inout Xoshiro256) -> Dataset {
    rows(generator.permutation(count))
  }

  /// Splits the rows, in their current order, into train, validation and test: the first
  /// `counts.train` rows, then the next `counts.validation`, then the next `counts.test`.
  /// Rows past the three counts are left out.
  ///
  /// - Throws: `DataError` (`invalidOption`) when a count is negative or the counts add up
  ///   to more rows than the dataset holds.
  public func split(_ counts: SplitCounts) throws -> DatasetSplit {
    for (name, c) in [("train count", counts.train), ("validation count", counts.validation), ("test count", counts.test)]
    where c < 0 {
      throw DataError(path: source, .invalidOption(name: name, value: "\(c)", expected: "a count of zero or more"))
    }
    let total = counts.train + counts.validation + counts.test
    guard total <= count else {
      throw DataError(
        path: source,
        .invalidOption(
          name: "split", value: "of \(total) rows (\(counts.train) + \(counts.validation) + \(counts.test))",
          expected: "at most the \(count) rows the data holds"))
    }
    let a = counts.train
    let b = a + counts.validation
    return DatasetSplit(train: rows(0..<a), validation: rows(a..<b), test: rows(b..<total))
  }

  /// Shuffles with `generator`, then splits by counts: the usual way to carve validation
  /// and test sets out of one file, reproducible from the seed.
  public func split(_ counts: SplitCounts, shuffling generator: inout Xoshiro256) throws -> DatasetSplit {
    try shuffled(using: &generator).split(counts)
  }

  /// Shuffles with `generator`, then splits by fractions of the rows (see
  /// `SplitCounts.init(fractions:_:_:of:source:)` for the rounding).
  public func split(
    fractions train: Double, _ validation: Double, _ test: Double, shuffling generator: inout Xoshiro256
  ) throws -> DatasetSplit {
    let counts = try SplitCounts(fractions: train, validation, test, of: count, source: source)
    return try split(counts, shuffling: &generator)
  }
}
