import FlowRuntime
import FlowcIR
import SafeTensors
import Foundation

/// A checkpoint opened for reading: the trainer's position and the spec that built the
/// flow, decoded from its metadata, and the flow's and the optimizer's tensors as
/// `TensorSource`s, each tensor read from the file only when a load asks for it (a model
/// loaded from it holds one tensor's bytes at a time beside its own weights).
///
/// On disk it is one `.safetensors` file (docs/checkpoint.md): every tensor under its
/// PyTorch-style name (`layers.0.scale_net.0.weight`, `[out, in]`; `...bias`, `[out]`),
/// in the flow's dtype; optimizer moments under `optimizer.`; and in the metadata the
/// spec text, its overrides, the resolved graph JSON and the trainer state as JSON.
/// Written atomically: a crash mid-write leaves the previous checkpoint intact.
struct CheckpointFile {
  /// The flow's weights and buffers.
  let flow: CheckpointTensors
  /// The optimizer's state, named without the `optimizer.` prefix.
  let optimizer: CheckpointTensors
  let state: TrainerState
  let spec: CheckpointSpec

  /// Opens `path` and checks it is a flowc checkpoint: its header, its metadata and that
  /// every tensor is F32 or F64, before any tensor is read.
  /// - Throws: `CheckpointError` naming the file and what is wrong.
  init(path: String) throws {
    let reader: SafeTensorsReader
    do {
      reader = try SafeTensorsReader(path: path)
    } catch let e as SafeTensorsError {
      throw CheckpointError(path: path, message: e.problem.message)
    }
    guard reader.metadata[CheckpointKey.format] == CheckpointKey.formatValue else {
      throw CheckpointError(path: path, message: "not a flowc checkpoint (its metadata has no '\(CheckpointKey.format): \(CheckpointKey.formatValue)')")
    }
    guard let specText = reader.metadata[CheckpointKey.spec], let spec = try? RunFileJSON.decode(CheckpointSpec.self, from: specText),
      let stateText = reader.metadata[CheckpointKey.trainer], let state = try? RunFileJSON.decode(TrainerState.self, from: stateText)
    else {
      throw CheckpointError(path: path, message: "its metadata lacks the spec or the trainer state; was it written by flowc \(flowcVersion)?")
    }
    if let t = reader.layouts.first(where: { $0.dtype != .f32 && $0.dtype != .f64 }) {
      throw CheckpointError(path: path, message: "tensor '\(t.name)' has dtype \(t.dtype.rawValue); flowc writes F32 or F64")
    }
    let prefix = "optimizer."
    let indices = reader.layouts.indices
    flow = CheckpointTensors(reader: reader, path: path, indices: indices.filter { !reader.layouts[$0].name.hasPrefix(prefix) }, dropping: 0)
    optimizer = CheckpointTensors(reader: reader, path: path, indices: indices.filter { reader.layouts[$0].name.hasPrefix(prefix) },
                                  dropping: prefix.count)
    self.state = state
    self.spec = spec
  }
}

/// Some of a checkpoint's tensors (the flow's, or the optimizer's under their names
/// without the prefix), read from the file one at a time.
struct CheckpointTensors: TensorSource {
  fileprivate let reader: SafeTensorsReader
  fileprivate let path: String
  /// The file's indices of these tensors.
  fileprivate let indices: [Int]
  let layouts: [(name: String, shape: [Int])]

  fileprivate init(reader: SafeTensorsReader, path: String, indices: [Int], dropping prefixLength: Int) {
    self.reader = reader
    self.path = path
    self.indices = indices
    layouts = indices.map { (String(reader.layouts[$0].name.dropFirst(prefixLength)), reader.layouts[$0].shape) }
  }

  func values<T: FlowScalar>(at index: Int, as type: T.Type) throws -> [T] {
    do {
      let tensor = try reader.tensor(at: indices[index])
      // The dtype was checked to be F32 or F64 when the file was opened.
      if tensor.dtype == .f64 {
        let values = try tensor.doubles()
        return T.self == Double.self ? values as! [T] : values.map { T($0) }
      }
      let values = try tensor.floats()
      return T.self == Float.self ? values as! [T] : values.map { T($0) }
    } catch let e as SafeTensorsError {
      throw CheckpointError(path: path, message: e.problem.message)
    }
  }
}

/// The spec a checkpoint was trained from: enough to rebuild the flow with no spec file.
package struct CheckpointSpec: Codable, Sendable {
  /// The spec file's text, exactly as the run read it.
  package var text: String
  /// Where it was read from (for messages only).
  package var path: String
  /// `--set` overrides applied to it.
  package var overrides: [String]
  /// The absolute folder the spec's relative data paths were read from (its own folder
  /// when the run started), so `flowc eval CKPT` without `--data` finds the same test
  /// set from anywhere; nil in checkpoints of older flowc versions (then: the current
  /// directory).
  package var dataDirectory: String?
  /// The resolved data files, for the record (`path`, `test_path`).
  package var dataFiles: [String]?
}

/// Metadata keys of a flowc checkpoint.
enum CheckpointKey {
  static let format = "format"
  static let formatValue = "flowc-checkpoint-1"
  static let flowcVersion = "flowc_version"
  static let dtype = "dtype"
  static let spec = "spec"
  static let resolved = "resolved_graph"
  static let trainer = "trainer_state"
}

/// Writes the flow's and the optimizer's state to `path`, one tensor at a time from the
/// live storage (`StateSlot.get`): the file is never held in memory, and no Double copy
/// of the weights is made. For Real NVP on Fashion-MNIST (27.7 M parameters) that copy
/// and the file's bytes were 1 GB on top of the run's 0.7 GB at every checkpoint.
func writeCheckpoint<T: FlowScalar>(path: String, spec: CheckpointSpec, graph: ValidatedGraph, flow: [StateSlot<T>],
                                    optimizer: [StateSlot<T>], state: TrainerState) throws {
  let float64 = graph.graph.dtype == .float64
  let dtype: SafeTensorDType = float64 ? .f64 : .f32
  let slots = flow + optimizer
  let names = flow.map(\.name) + optimizer.map { "optimizer." + $0.name }
  let layouts = zip(names, slots).map { SafeTensorLayout(name: $0, dtype: dtype, shape: $1.shape) }
  let metadata = [
    CheckpointKey.format: CheckpointKey.formatValue,
    CheckpointKey.flowcVersion: flowcVersion,
    CheckpointKey.dtype: graph.graph.dtype.rawValue,
    CheckpointKey.spec: RunFileJSON.line(spec),
    CheckpointKey.resolved: graphJSON(graph).serialized(pretty: false),
    CheckpointKey.trainer: RunFileJSON.line(state),
  ]
  do {
    try SafeTensorsFile.write(to: path, layouts: layouts, metadata: metadata) { i in
      let values = slots[i].get()
      return float64
        ? try SafeTensor(name: names[i], shape: slots[i].shape, values: values.map { Double($0) })
        : try SafeTensor(name: names[i], shape: slots[i].shape, values: values.map { Float($0) })
    }
  } catch let e as SafeTensorsError {
    switch e.problem {
    case .unwritable(_, let reason), .directoryNotSynced(_, let reason):
      throw RunFileError(path: path, problem: RunFileIO.describe(reason))
    default:
      throw RunFileError(path: path, problem: e.problem.message)
    }
  }
}

/// A checkpoint that cannot be used: the file and what is wrong.
package struct CheckpointError: Error, CustomStringConvertible {
  package var path: String
  package var message: String
  package var description: String { "\(path): \(message)" }
}
