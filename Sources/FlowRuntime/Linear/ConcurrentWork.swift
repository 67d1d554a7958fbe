import Dispatch

/// Independent pieces of work (a coupling's scale and shift networks, runs of the
/// optimizer's tensors) run at once on the cores OpenBLAS would otherwise share inside
/// each product.
///
/// Why: at the sizes of a small flow (a batch of 100 through 256-wide layers) a product
/// split over two OpenBLAS threads gains little, the second thread spins between products
/// (a fifth of a two-thread moons profile was the scheduler), and everything outside the
/// products runs on one core. Two such products side by side, each on one BLAS thread,
/// keep both cores busy with their own work, elementwise passes included: the moons step
/// at two threads went from 5.3-6.0 to 3.9-4.3 ms (Zen 3). Each piece computes exactly
/// what it does at one thread, so a flow whose products all sit in such pieces (Real NVP
/// with separate scale and shift networks) trains the same numbers at any `--threads`.
///
/// The budget is `threads`, which the runner sets with OpenBLAS's thread count; it is 1
/// unless set (a library user, the tests, `DataParallel`'s workers), and then the pieces
/// run one after the other on the calling thread. Above 1, OpenBLAS is set to one thread
/// while the pieces run and restored after, and a call made inside a piece runs serially.
public enum ConcurrentWork {
  /// The number of cores pieces may run on at once (at least 1).
  nonisolated(unsafe) public static var threads = 1 {
    didSet { precondition(threads > 0, "the thread budget must be positive") }
  }
  /// Whether pieces are running now (a nested call then runs serially).
  nonisolated(unsafe) private static var isRunning = false

  /// Runs `body(0)`, …, `body(count - 1)`, at once when the budget allows; the pieces must
  /// touch disjoint state.
  static func perform(_ count: Int, _ body: (Int) -> Void) {
    guard count > 1, threads > 1, !isRunning else {
      for k in 0..<count { body(k) }
      return
    }
    let blasThreads = BLASConfiguration.threadCount
    BLASConfiguration.threadCount = 1
    isRunning = true
    defer {
      isRunning = false
      BLASConfiguration.threadCount = blasThreads
    }
    withoutActuallyEscaping(body) { body in
      let work = UncheckedBox(body)
      DispatchQueue.concurrentPerform(iterations: count) { k in work.value(k) }
    }
  }

  /// The number of pieces `n` items would be cut into now: 1 (one after the other on the
  /// calling thread) unless the budget allows more.
  static func width(items n: Int) -> Int { isRunning ? 1 : max(1, min(n, threads)) }

  /// Runs `body` once per run of consecutive items (`n` of them, item k costing
  /// `size(k)`), cut into as many runs as the budget allows, of near-equal total size, the
  /// runs at once. Items are never split, so a per-item result is the same at any width.
  /// With a budget of 1, `body(0..<n)` on the calling thread, allocating nothing.
  static func performOverRuns(items n: Int, size: (Int) -> Int, _ body: (Range<Int>) -> Void) {
    let width = width(items: n)
    guard width > 1 else {
      if n > 0 { body(0..<n) }
      return
    }
    let runs = Self.runs(sizes: (0..<n).map(size), count: width)
    perform(runs.count) { body(runs[$0]) }
  }

  /// `sizes`' indices cut into at most `count` non-empty consecutive runs of near-equal
  /// total size: each cut goes before the item where the running total lands nearest
  /// its share of the whole.
  static func runs(sizes: [Int], count: Int) -> [Range<Int>] {
    guard count > 1, sizes.count > 1 else { return sizes.isEmpty ? [] : [0..<sizes.count] }
    let total = sizes.reduce(0, +)
    var runs: [Range<Int>] = [], start = 0, sum = 0
    for (i, size) in sizes.enumerated() {
      if i > start, runs.count < count - 1 {
        let share = total * (runs.count + 1) / count
        if sum >= share || share - sum < sum + size - share {
          runs.append(start..<i)
          start = i
        }
      }
      sum += size
    }
    runs.append(start..<sizes.count)
    return runs
  }
}

/// Hands non-Sendable values to `concurrentPerform`, whose iterations touch disjoint
/// objects (each worker its own flow and slice, each piece its own network).
struct UncheckedBox<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
