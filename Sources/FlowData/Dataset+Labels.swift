extension Dataset {
  /// The same rows with the labels of an IDX label file attached (one integer label per
  /// row, in file order), whatever format the rows were read from.
  ///
  /// - Throws: `DataError` with `labelCountMismatch` when the file holds another number
  ///   of labels than there are rows, or any error of the IDX label reader.
  public func attachingLabels(from path: String, limits: ReadLimits = .standard) throws -> Dataset {
    let l = try readIDXLabels(path, limits: limits)
    guard l.count == count else {
      throw DataError(path: source, .labelCountMismatch(images: count, labels: l.count, labelsPath: path))
    }
    var out = self
    out.labels = l
    return out
  }

  /// Checks that every label lies in 0 ..< `classes`, the classes a context encodes.
  ///
  /// - Throws: `DataError` with `labelOutOfRange` naming `labelsPath` and the first
  ///   example whose label is outside, or `unlabelled` when the rows carry no labels.
  public func checkLabels(below classes: Int, labelsPath: String) throws {
    guard let labels else { throw DataError(path: source, .unlabelled) }
    if let r = labels.firstIndex(where: { $0 < 0 || $0 >= classes }) {
      throw DataError(path: labelsPath, .labelOutOfRange(label: labels[r], row: r, classes: classes))
    }
  }

  /// The rows whose label is one of `classes`, in their order (labels kept).
  ///
  /// Every listed class must label at least one row: a class that labels none is almost
  /// always a typo or the wrong label file, and training on the rest would hide it.
  ///
  /// - Throws: `DataError` with `unlabelled` when the rows carry no labels, or
  ///   `classNotFound` naming the first listed class no row has and the labels present.
  public func selectingClasses(_ classes: [Int]) throws -> Dataset {
    guard let labels else { throw DataError(path: source, .unlabelled) }
    let wanted = Set(classes)
    let present = Set(labels)
    if let missing = classes.first(where: { !present.contains($0) }) {
      throw DataError(path: source, .classNotFound(label: missing, present: present.sorted()))
    }
    return rows(labels.indices.filter { wanted.contains(labels[$0]) })
  }
}
