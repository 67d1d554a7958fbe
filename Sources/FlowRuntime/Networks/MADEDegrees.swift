/// The degrees of a MADE's units and the masks made from them (Germain, Gregor, Murray
/// and Larochelle, "MADE: Masked Autoencoder for Distribution Estimation", ICML 2015).
///
/// - Input dimension i has degree m(i) = its position in the order, from 1: with
///   order = [2, 0, 1], dimension 2 has degree 1, dimension 0 degree 2, dimension 1 degree 3.
/// - Hidden unit j of every hidden layer has degree 1 + (j mod (D − 1)), or 0 when D = 1:
///   the deterministic assignment of nflows' MADE (`_get_mask_and_degrees`, sequential
///   degrees), so a layer of w units holds the degrees 1 ... min(w, D − 1) evenly.
/// - The network has k outputs per dimension, grouped by dimension (column i·k + p is
///   parameter p of dimension i, as nflows' and zuko's MADEs group them); each has the
///   degree of its dimension.
/// - Mask entry [out, in] is 1 when a hidden unit's degree is ≥ the degree below it, and
///   when an output's degree is > the degree below it.
///
/// Along any path the degrees never decrease and rise strictly at the output, so every
/// output of dimension i depends only on the dimensions of smaller degree, those before i
/// in the order: the Jacobian of the layer is triangular in the order.
public enum MADEDegrees {
  /// The degree of each input dimension for `order` (a permutation of 0..<D).
  public static func input(order: [Int]) -> [Int] {
    var degrees = [Int](repeating: 0, count: order.count)
    for (k, i) in order.enumerated() {
      precondition(i >= 0 && i < order.count && degrees[i] == 0, "MADE order must be a permutation of 0..<\(order.count)")
      degrees[i] = k + 1
    }
    return degrees
  }

  /// The degrees of a hidden layer of `width` units in a MADE over `dimension` inputs.
  public static func hidden(width: Int, dimension d: Int) -> [Int] {
    let cycle = max(1, d - 1), offset = min(1, d - 1)
    return (0..<width).map { $0 % cycle + offset }
  }

  /// The output degrees: each input degree repeated for its k parameters, dimension-major.
  public static func output(inputDegrees: [Int], parametersPerDimension k: Int) -> [Int] {
    inputDegrees.flatMap { [Int](repeating: $0, count: k) }
  }

  /// The [out, in] row-major 0/1 mask between units of degrees `below` and `above`:
  /// 1 where above ≥ below (hidden layers) or above > below (`strict`, the output layer).
  public static func mask<T: FlowScalar>(below: [Int], above: [Int], strict: Bool, as _: T.Type) -> [T] {
    var m = [T](repeating: 0, count: above.count * below.count)
    for (o, b) in above.enumerated() {
      for (i, a) in below.enumerated() where strict ? b > a : b >= a { m[o * below.count + i] = 1 }
    }
    return m
  }

  /// The masks of every linear layer, input side first.
  public static func masks<T: FlowScalar>(order: [Int], hidden: [Int], parametersPerDimension k: Int, as _: T.Type) -> [[T]] {
    let d = order.count
    let inputs = input(order: order)
    var below = inputs
    var out: [[T]] = []
    for w in hidden {
      let above = Self.hidden(width: w, dimension: d)
      out.append(mask(below: below, above: above, strict: false, as: T.self))
      below = above
    }
    out.append(mask(below: below, above: output(inputDegrees: inputs, parametersPerDimension: k), strict: true, as: T.self))
    return out
  }
}
