import FlowData
import FlowRuntime

extension Dataset {
  /// The raw context these rows carry, as a flow takes it: the values of their context
  /// columns, else their class labels (nil when they carry neither). An unconditional
  /// flow ignores it.
  package var contextRows: ContextRows? {
    if let context { return .values(context) }
    return labels.map(ContextRows.labels)
  }

  /// The mean of each context column over the rows (nil without a context).
  package var contextMeans: [Float]? {
    guard let context, count > 0 else { return nil }
    let w = contextWidth
    var sums = [Double](repeating: 0, count: w)
    for r in 0..<count { for j in 0..<w { sums[j] += Double(context[r * w + j]) } }
    return sums.map { Float($0 / Double(count)) }
  }

  /// The mean and population standard deviation of each context column over the rows,
  /// in `Double` (nil without a context or rows): a standardized context's statistics.
  package var contextStatistics: (mean: [Double], std: [Double])? {
    guard let context, count > 0 else { return nil }
    let w = contextWidth
    var mean = [Double](repeating: 0, count: w), square = [Double](repeating: 0, count: w)
    for r in 0..<count { for j in 0..<w { mean[j] += Double(context[r * w + j]) } }
    for j in 0..<w { mean[j] /= Double(count) }
    for r in 0..<count {
      for j in 0..<w {
        let d = Double(context[r * w + j]) - mean[j]
        square[j] += d * d
      }
    }
    return (mean, square.map { ($0 / Double(count)).squareRoot() })
  }

  /// These rows with `row` (one value per context column, `columns` naming them) as
  /// every row's context.
  package func withContext(row: [Float], columns: [String]) -> Dataset {
    precondition(row.count == columns.count, "one context value per column")
    return Dataset(values: values, count: count, dimension: dimension, shape: shape, labels: labels,
                   context: (0..<count).flatMap { _ in row }, contextColumns: columns, source: source)
  }
}
