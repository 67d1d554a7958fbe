/// Bounds on what the YAML reader accepts, so that no input can make flowc hang or
/// eat memory. Each is far above any real spec (a 1,000-layer spec is ~10,000 nodes,
/// nested 6 deep) and each has its own diagnostic.
package struct YAMLLimits: Sendable {
  /// Deepest nesting of lists and mappings. Real specs nest about 6 deep.
  package var maxDepth: Int = 64
  /// Longest scalar, in bytes.
  package var maxScalarBytes: Int = 1 << 20
  /// Most nodes in the tree after aliases are expanded: what stops an alias bomb
  /// ("billion laughs") before it is walked.
  package var maxNodes: Int = 2_000_000

  package init() {}
}
