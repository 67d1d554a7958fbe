/// Aligns two chains of layers as an edit script: a weighted edit distance over the
/// node signatures, solved by dynamic programming.
///
/// Costs: equal signatures 0; a layer inserted or removed 4; a layer of the same kind
/// with different values 4 + (fields that differ, at most 3), so 5 to 7, which is less
/// than removing it and inserting the new one (8). Layers of different kinds never pair.
/// A layer inserted in the middle therefore costs 4 once, while pairing every later
/// layer with its shifted neighbour would cost at least 5 each; and a changed layer is
/// one `changed` entry, not a removal plus an insertion. On ties the backtrack prefers a
/// pairing, then a removal, then an insertion.
///
/// The common prefix and suffix are matched first (usually almost everything), so the
/// table covers only the middle that differs: O(n·m) time and one byte per cell for the
/// backtrack, with two rows of costs. A middle of more than `maxCells` cells (two very
/// different flows of tens of thousands of layers) is aligned position by position
/// instead, so memory stays bounded.
enum LayerAlignment {
  /// One step of the edit script: indices into the two chains.
  enum Step: Equatable {
    case pair(Int, Int)
    case remove(Int)
    case insert(Int)
  }

  static let indelCost = 4
  static let maxCells = 16 * 1024 * 1024

  /// The edit script turning `a` into `b`.
  static func align(_ a: [NodeSignature], _ b: [NodeSignature]) -> [Step] {
    var prefix = 0
    while prefix < a.count, prefix < b.count, a[prefix].key == b[prefix].key { prefix += 1 }
    var suffix = 0
    while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix].key == b[b.count - 1 - suffix].key {
      suffix += 1
    }
    var steps: [Step] = (0..<prefix).map { .pair($0, $0) }
    let aMid = prefix..<(a.count - suffix)
    let bMid = prefix..<(b.count - suffix)
    if aMid.count.multipliedReportingOverflow(by: bMid.count).partialValue > maxCells
      || aMid.count.multipliedReportingOverflow(by: bMid.count).overflow {
      steps += byPosition(aMid, bMid)
    } else {
      steps += table(a, aMid, b, bMid)
    }
    steps += (0..<suffix).map { .pair(a.count - suffix + $0, b.count - suffix + $0) }
    return steps
  }

  /// Pairs the middles index by index; the longer one's tail is inserted or removed.
  private static func byPosition(_ a: Range<Int>, _ b: Range<Int>) -> [Step] {
    let common = min(a.count, b.count)
    var steps: [Step] = (0..<common).map { .pair(a.lowerBound + $0, b.lowerBound + $0) }
    steps += (a.lowerBound + common..<a.upperBound).map { .remove($0) }
    steps += (b.lowerBound + common..<b.upperBound).map { .insert($0) }
    return steps
  }

  /// Backtrack directions, one byte per cell.
  private static let diagonal: UInt8 = 0, up: UInt8 = 1, left: UInt8 = 2

  /// The weighted edit distance over `a[ar]` and `b[br]`, then its backtrack.
  private static func table(_ a: [NodeSignature], _ ar: Range<Int>, _ b: [NodeSignature], _ br: Range<Int>) -> [Step] {
    let n = ar.count, m = br.count
    if n == 0 { return br.map { .insert($0) } }
    if m == 0 { return ar.map { .remove($0) } }
    let width = m + 1
    var from = [UInt8](repeating: 0, count: (n + 1) * width)
    var previous = [Int](repeating: 0, count: width)
    var current = [Int](repeating: 0, count: width)
    for j in 0...m {
      previous[j] = j * indelCost
      from[j] = left
    }
    let never = Int.max / 4
    for i in 1...n {
      let ai = a[ar.lowerBound + i - 1]
      current[0] = i * indelCost
      from[i * width] = up
      for j in 1...m {
        let bj = b[br.lowerBound + j - 1]
        var pair = never
        if ai.key == bj.key {
          pair = previous[j - 1]
        } else if ai.kind == bj.kind {
          pair = previous[j - 1] + indelCost + max(1, ai.differingFields(bj, cap: 3))
        }
        let remove = previous[j] + indelCost
        let insert = current[j - 1] + indelCost
        var best = pair
        var dir = diagonal
        if remove < best { best = remove; dir = up }
        if insert < best { best = insert; dir = left }
        current[j] = best
        from[i * width + j] = dir
      }
      swap(&previous, &current)
    }
    var steps: [Step] = []
    steps.reserveCapacity(n + m)
    var i = n, j = m
    while i > 0 || j > 0 {
      let dir = i == 0 ? left : (j == 0 ? up : from[i * width + j])
      switch dir {
      case diagonal:
        steps.append(.pair(ar.lowerBound + i - 1, br.lowerBound + j - 1))
        i -= 1
        j -= 1
      case up:
        steps.append(.remove(ar.lowerBound + i - 1))
        i -= 1
      default:
        steps.append(.insert(br.lowerBound + j - 1))
        j -= 1
      }
    }
    return steps.reversed()
  }
}
