/// A dense row-major matrix: one row per sample, rows stored one after another.
///
/// Value semantics through the copy-on-write `Array` that holds the elements. Layers keep
/// their output and workspace matrices as stored properties and `resize` them in place,
/// so a training loop at a fixed batch size allocates nothing after its first step: a
/// buffer is reallocated only when the number of rows changes.
public struct Matrix<T: FlowScalar>: Sendable, Equatable {
  /// Number of rows (samples).
  public private(set) var rows: Int
  /// Number of columns (features).
  public private(set) var cols: Int
  /// The `rows * cols` elements, row after row.
  public var storage: [T]

  /// A zero-filled rows × cols matrix.
  public init(rows: Int, cols: Int) {
    precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative")
    self.rows = rows
    self.cols = cols
    self.storage = [T](repeating: 0, count: rows * cols)
  }

  /// A matrix over existing row-major elements (`storage.count == rows * cols`).
  public init(rows: Int, cols: Int, storage: [T]) {
    precondition(storage.count == rows * cols, "storage has \(storage.count) elements, expected \(rows * cols)")
    self.rows = rows
    self.cols = cols
    self.storage = storage
  }

  /// A matrix from nested rows, all of the same length (for tests and small literals).
  public init(_ rowArrays: [[T]]) {
    let c = rowArrays.first?.count ?? 0
    precondition(rowArrays.allSatisfy { $0.count == c }, "ragged rows")
    self.init(rows: rowArrays.count, cols: c, storage: rowArrays.flatMap { $0 })
  }

  /// The element at (row, col).
  @inlinable
  public subscript(row: Int, col: Int) -> T {
    get { storage[row * cols + col] }
    set { storage[row * cols + col] = newValue }
  }

  /// One row as an array (allocates; for tests and reports, not hot loops).
  public func row(_ i: Int) -> [T] { Array(storage[i * cols..<(i + 1) * cols]) }

  /// Changes the number of rows, keeping the column count. Reallocates only when the
  /// row count changes; the contents are unspecified afterwards (callers overwrite them).
  public mutating func resize(rows newRows: Int) {
    if newRows != rows {
      rows = newRows
      storage = [T](repeating: 0, count: newRows * cols)
    }
  }

  /// Changes both dimensions, reallocating only when the shape changes.
  public mutating func resize(rows newRows: Int, cols newCols: Int) {
    if newRows != rows || newCols != cols {
      rows = newRows
      cols = newCols
      storage = [T](repeating: 0, count: newRows * newCols)
    }
  }

  /// Sets every element to zero without reallocating.
  @inlinable
  public mutating func zero() {
    storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
  }

  /// Copies `other` into this matrix, resizing first if the shapes differ.
  public mutating func assign(_ other: Matrix<T>) {
    resize(rows: other.rows, cols: other.cols)
    storage.withUnsafeMutableBufferPointer { dst in
      other.storage.withUnsafeBufferPointer { src in
        if let d = dst.baseAddress, let s = src.baseAddress { d.update(from: s, count: src.count) }
      }
    }
  }

  /// Whether every element is finite (no NaN, no infinity).
  @inlinable
  public var isFinite: Bool { allFinite(storage) }

  /// The matrix converted element by element to another precision.
  public func converted<U: FlowScalar>(to: U.Type) -> Matrix<U> {
    Matrix<U>(rows: rows, cols: cols, storage: storage.map { U($0) })
  }
}

/// Whether every element of `values` is finite.
///
/// x − x is 0 for finite x and NaN for NaN or ±infinity, so summing the differences
/// gives one branch-free pass that the optimizer can vectorise.
@inlinable
public func allFinite<T: FlowScalar>(_ values: [T]) -> Bool {
  values.withUnsafeBufferPointer { p in
    var acc: T = 0
    for v in p { acc += v - v }
    return acc == 0
  }
}
