import FlowData
import FlowcRun
import Foundation

/// What `flowc ood` was asked: the model, the sets and the options, loaded and scored by
/// `OODAnalysis.run(_:)`.
package struct OODRequest: Sendable {
  package var checkpoint: String
  /// The IN file; nil: the model's own test set.
  package var inPath: String?
  package var inName: String?
  /// OUT files, each with an optional name.
  package var outFiles: [(name: String?, path: String)] = []
  /// An OUT set of these classes of the model's test file (the first OUT set).
  package var outClasses: [Int]?
  package var background: String?
  package var options = OODOptions()

  package init(checkpoint: String) {
    self.checkpoint = checkpoint
  }

  /// `NAME=FILE` or `FILE`: a name is split off only when the whole argument is not an
  /// existing file and the part before `=` is not a path.
  package static func outFile(_ argument: String) -> (name: String?, path: String) {
    guard let eq = argument.firstIndex(of: "="), !FileManager.default.fileExists(atPath: argument),
          !argument[..<eq].contains("/") else { return (nil, argument) }
    return (String(argument[..<eq]), String(argument[argument.index(after: eq)...]))
  }

  /// `9` or `8,9`: a comma-separated list of labels, nil if it is not one.
  package static func classes(_ text: String) -> [Int]? {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
    return parts.map { $0! }
  }
}

extension OODAnalysis {
  /// Loads the model (and the background model), reads the sets and scores them.
  /// - Throws: `CheckpointError` for a checkpoint that cannot be loaded, `DataError` for a
  ///   data file that is missing, malformed or of the wrong shape, `OODError` for sets
  ///   or a background that do not fit the model.
  package static func run(_ r: OODRequest) throws -> OODAnalysis {
    let model = try TrainedModel(checkpoint: r.checkpoint)
    let background = try r.background.map { (model: try TrainedModel(checkpoint: $0), path: $0) }
    // A conditional flow's density of an input depends on a class the OUT sets do not have.
    for (m, path) in [(model, r.checkpoint)] + (background.map { [($0.model, $0.path)] } ?? []) where m.isConditional {
      throw OODError("the flow of \(path) is conditional (its spec has a 'data.context'): its density of an input needs the input's class, "
        + "which OUT sets do not have; 'flowc ood' scores unconditional flows")
    }
    var inSet = try r.inPath.map { try OODSet.file($0, name: r.inName, model: model) } ?? OODSet.modelTest(model)
    if let name = r.inName { inSet.name = name }
    // The held-out classes first: they are the model's own data's neighbours.
    var outs = try r.outClasses.map { [try OODSet.modelTest(model, classes: $0)] } ?? []
    outs += try r.outFiles.map { try OODSet.file($0.path, name: $0.name, model: model) }
    return try run(model: model, checkpoint: r.checkpoint, background: background, in: inSet, out: outs,
                   training: try OODSet.training(model), options: r.options)
  }
}
