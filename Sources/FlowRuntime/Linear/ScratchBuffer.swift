/// A growable block of raw elements that a layer owns for its workspaces and activations,
/// so that kernels take plain pointers (no closure per buffer, no copy-on-write check, no
/// bounds checks in their loops).
///
/// `reserve` reallocates only when asked for more than it holds, so a training loop at a
/// fixed batch size allocates nothing after its first step. The contents after a
/// reallocation are unspecified; callers overwrite them.
final class ScratchBuffer<T: FlowScalar> {
  /// The first element.
  private(set) var base: UnsafeMutablePointer<T>
  /// Number of elements `base` can hold.
  private(set) var capacity: Int

  /// A buffer of `count` elements (zero-filled).
  init(count: Int = 0) {
    capacity = max(count, 1)
    base = .allocate(capacity: capacity)
    base.initialize(repeating: 0, count: capacity)
  }

  deinit { base.deallocate() }

  /// Makes room for `count` elements, reallocating (zero-filled) only when that is more than
  /// the capacity; returns the first element.
  @discardableResult
  func reserve(_ count: Int) -> UnsafeMutablePointer<T> {
    if count > capacity {
      base.deallocate()
      capacity = count
      base = .allocate(capacity: count)
      base.initialize(repeating: 0, count: count)
    }
    return base
  }
}
