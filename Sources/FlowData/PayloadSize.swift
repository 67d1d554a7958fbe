/// The size checks shared by the binary readers (npy, IDX), done on the header's numbers
/// before any output is allocated: a header that claims 10^12 elements must be an error,
/// not a 4 TB allocation.
///
/// - Parameters:
///   - shape: the declared dimensions.
///   - elementSize: bytes per element.
///   - available: payload bytes actually present after the header.
///   - limits: `maxDataBytes` caps the declared payload.
///   - path: the file name for error messages.
/// - Returns: the number of elements (the product of `shape`).
/// - Throws: `DataError` with `implausibleSize` (overflow or over the limit), `truncated`
///   (fewer bytes than declared) or `trailingBytes` (more).
func checkedPayload(
  shape: [Int], elementSize: Int, available: Int, limits: ReadLimits, path: String
) throws -> Int {
  var elements = 1
  var overflow = false
  var nonZero = 1
  for d in shape {
    let (p, o) = elements.multipliedReportingOverflow(by: d)
    elements = p
    // A zero dimension makes the product 0 but the other dimensions still have to fit
    // (callers multiply the trailing ones to get the row width).
    let (q, o2) = nonZero.multipliedReportingOverflow(by: max(d, 1))
    nonZero = q
    overflow = overflow || o || o2 || d < 0
  }
  let (bytes, o3) = elements.multipliedReportingOverflow(by: elementSize)
  guard !overflow, !o3, bytes <= limits.maxDataBytes else {
    throw DataError(path: path, .implausibleSize(shape: shape, limit: limits.maxDataBytes))
  }
  if available < bytes {
    throw DataError(path: path, .truncated(shape: shape, declaredBytes: bytes, actualBytes: available))
  }
  if available > bytes {
    throw DataError(path: path, .trailingBytes(declaredBytes: bytes, actualBytes: available))
  }
  return elements
}
