extension Dataset: CustomStringConvertible {
  /// A stable one-line summary for logs, run reports and snapshot tests, e.g.
  /// `train-images-idx3-ubyte.gz: 60000 rows of 784 values (28×28 images), labelled`.
  /// The values themselves are left out: they are the data, not its description.
  public var description: String {
    var s = "\(source): \(count) \(count == 1 ? "row" : "rows") of \(dimension) \(dimension == 1 ? "value" : "values")"
    if let shape, shape.count > 1 { s += " (\(shapeText(shape)) images)" }
    if labels != nil { s += ", labelled" }
    return s
  }
}
