/// The shape of the tensor an edge of the graph carries, per sample: `[D]` for a vector,
/// `[C, H, W]` for an image (stored flattened in CHW order: index c·H·W + h·W + w, so the
/// first half of the channels is the first half of the vector).
package struct TensorShape: Hashable, Sendable, CustomStringConvertible {
  /// The sizes, outermost first.
  package var dims: [Int]

  package init(_ dims: [Int]) { self.dims = dims }

  /// A flat vector of `count` features.
  package static func vector(_ count: Int) -> TensorShape { TensorShape([count]) }

  /// An image of `channels` × `height` × `width`.
  package static func image(_ channels: Int, _ height: Int, _ width: Int) -> TensorShape {
    TensorShape([channels, height, width])
  }

  /// Number of values (saturating, so absurd sizes never trap).
  package var count: Int { dims.reduce(1) { $0.multipliedSaturating(by: max(0, $1)) } }

  /// Whether the tensor is an image [C, H, W] (layers then see channels and pixels).
  package var isImage: Bool { dims.count == 3 }

  /// C, H, W of an image; nil for a vector.
  package var image: (channels: Int, height: Int, width: Int)? {
    dims.count == 3 ? (dims[0], dims[1], dims[2]) : nil
  }

  /// Pixels per channel of an image (H·W), 1 for a vector.
  package var pixels: Int { image.map { $0.height.multipliedSaturating(by: $0.width) } ?? 1 }

  /// `[4,14,14]` for an image, `784` for a vector.
  package var description: String { isImage ? "[" + dims.map(String.init).joined(separator: ",") + "]" : String(count) }
}
