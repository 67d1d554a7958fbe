@testable import FlowRuntime
import Testing

/// How `ConcurrentWork` cuts a list of tensors into runs for its threads. (Running pieces
/// at once is tested end to end: `flowc run --threads 2` against `--threads 1` in
/// FlowcCLITests, since the budget is process-wide and these tests share a process.)
struct ConcurrentWorkTests {
  /// Every run is non-empty and consecutive, and together they cover every item once.
  static func expectPartition(_ runs: [Range<Int>], of count: Int, atMost limit: Int) {
    #expect(runs.count <= max(limit, 1))
    #expect(runs.allSatisfy { !$0.isEmpty })
    #expect(runs.first?.lowerBound == 0 && runs.last?.upperBound == count)
    for (a, b) in zip(runs, runs.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
  }

  @Test func equalItemsSplitInHalves() {
    #expect(ConcurrentWork.runs(sizes: [1, 1, 1, 1], count: 2) == [0..<2, 2..<4])
    #expect(ConcurrentWork.runs(sizes: [5, 5, 5, 5, 5, 5], count: 3) == [0..<2, 2..<4, 4..<6])
  }

  /// A moons coupling's two networks' tensors (2-256-256-2: weight, bias per layer), twice:
  /// the cut falls between the networks, half the elements on each side.
  @Test func networksSplitWhereTheElementsHalve() {
    let net = [512, 256, 65536, 256, 512, 2]
    let runs = ConcurrentWork.runs(sizes: net + net, count: 2)
    #expect(runs == [0..<6, 6..<12])
  }

  /// One item larger than the rest together: it takes a run of its own.
  @Test func aLargeItemTakesItsOwnRun() {
    #expect(ConcurrentWork.runs(sizes: [100, 1, 1], count: 2) == [0..<1, 1..<3])
    #expect(ConcurrentWork.runs(sizes: [1, 1, 100], count: 2) == [0..<2, 2..<3])
  }

  @Test func oneRunOrNone() {
    #expect(ConcurrentWork.runs(sizes: [3, 4, 5], count: 1) == [0..<3])
    #expect(ConcurrentWork.runs(sizes: [7], count: 2) == [0..<1])
    #expect(ConcurrentWork.runs(sizes: [], count: 2) == [])
  }

  /// Odd lists, zero sizes (a parameter with no elements) and more threads than items.
  @Test func alwaysAPartition() {
    let lists: [[Int]] = [[0, 0, 0], [0, 5, 0, 5], [1, 2, 3, 4, 5, 6, 7], [9, 0], [1, 1], [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]]
    for sizes in lists {
      for count in 1...5 {
        Self.expectPartition(ConcurrentWork.runs(sizes: sizes, count: count), of: sizes.count, atMost: min(count, sizes.count))
      }
    }
  }

  /// With the default budget of one thread the pieces run in order on the calling thread.
  @Test func oneThreadRunsInOrder() {
    #expect(ConcurrentWork.threads == 1)
    var order: [Int] = []
    ConcurrentWork.perform(4) { order.append($0) }
    #expect(order == [0, 1, 2, 3])
  }
}
