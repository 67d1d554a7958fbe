import FlowcSpec

/// The lowering of a layer kind: each kind's spec type (FlowcSpec's `Kinds/`) conforms
/// in FlowcIR's `Kinds/`, turning its decoded keys into the node's operation with
/// defaults filled in and generators resolved.
protocol LowerableLayer: LayerOptions {
  /// The operation of the node this layer becomes, or nil after a diagnostic when no
  /// node can be formed (an unknown template, a `flip` with nothing before it, a key
  /// the decoder already reported missing). Problems a node can carry as written are
  /// left to the validator, which sees the whole graph.
  func lower(_ l: inout Lowering, _ layer: LayerSpec) -> (any LayerOperation)?
}
