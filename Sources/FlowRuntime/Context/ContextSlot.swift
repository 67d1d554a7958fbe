/// The context of a conditional flow for the batch being processed: one row of `width`
/// encoded values per sample (a one-hot class, a learned class embedding), shared by
/// every network and prior that conditions on it.
///
/// The flow owns one slot and binds it to its layers once (`Bijector.bindContext`); it
/// fills `value` before each pass (`ContextEncoder.encode`), so the layers' own
/// signatures stay those of an unconditional flow. In a backward pass every network adds
/// dL/dc into `gradient`, which the encoder turns into its embedding's gradient; with a
/// fixed encoding (one-hot) nothing reads it, and `tracksGradient` is off so that no
/// network spends a product on it.
public final class ContextSlot<T: FlowScalar> {
  /// Values per context row.
  public let width: Int
  /// The encoded context of the current batch, [n, width].
  public internal(set) var value: Matrix<T>
  /// dL/dc of the latest backward pass, [n, width] (zeroed by `beginBackward`).
  public internal(set) var gradient: Matrix<T>
  /// Whether backward passes accumulate `gradient` (a learned encoding reads it).
  public let tracksGradient: Bool

  /// An empty slot for rows of `width` values.
  public init(width: Int, tracksGradient: Bool) {
    precondition(width > 0, "a context has at least one value")
    self.width = width
    self.tracksGradient = tracksGradient
    value = Matrix(rows: 0, cols: width)
    gradient = Matrix(rows: 0, cols: width)
  }

  /// Zeroes `gradient` for a backward pass over the current batch.
  func beginBackward() {
    guard tracksGradient else { return }
    gradient.resize(rows: value.rows)
    gradient.zero()
  }
}
