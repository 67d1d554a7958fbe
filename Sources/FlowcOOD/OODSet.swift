import FlowData
import FlowcBuild
import FlowcIR
import FlowcSpec
import FlowcRun
import Foundation

/// A set of inputs to score, with the name the table and the figures give it.
package struct OODSet: Sendable {
  /// What the table calls it (`t10k-images-idx3-ubyte.gz, classes 0–8`, `noise`).
  package var name: String
  /// Where its rows came from (a path, or the model's test file with its classes).
  package var origin: String
  package var data: Dataset

  package init(name: String, origin: String, data: Dataset) {
    self.name = name
    self.origin = origin
    self.data = data
  }
}

/// What can stop `flowc ood` before anything is scored; the message names the file or
/// the model and says what to do.
package struct OODError: Error, CustomStringConvertible, Sendable {
  package var description: String

  package init(_ description: String) {
    self.description = description
  }
}

extension OODSet {
  /// The model's own test set, as its run scored it (`data.classes` applied).
  package static func modelTest(_ model: TrainedModel) throws -> OODSet {
    let g = model.graph.graph
    let data = try DataPlan.testSet(g)
    return OODSet(name: testName(g, classes: g.settings.data.classes?.value.map(\.value)), origin: "the model's test set", data: data)
  }

  /// The rows the model was trained on, in the order of its run's split (already
  /// shuffled, so a prefix is a random sample): a file source's training rows, or for
  /// toy data (drawn afresh each step) the validation draws of the same distribution.
  package static func training(_ model: TrainedModel) throws -> Dataset {
    let plan = try DataPlan.make(model.graph.graph)
    return plan.rows?.data ?? plan.validation
  }

  /// The model's test file restricted to other classes (e.g. the class held out of
  /// training), read with its test labels.
  /// - Throws: `OODError` when the model's data carry no labels.
  package static func modelTest(_ model: TrainedModel, classes: [Int]) throws -> OODSet {
    var g = model.graph.graph
    let d = g.settings.data
    if d.source.value.isToy {
      throw OODError("the model's data are toy data (\(d.source.value.rawValue)), which have no classes; give the OUT set with --out")
    }
    if d.testPath != nil ? d.testLabels == nil : d.labels == nil {
      let key = d.testPath != nil ? "test_labels" : "labels"
      throw OODError("--out-classes selects from the model's test set by label, but its spec's data section has no '\(key)'; "
        + "train with one (docs/spec.md, section 9), or give the OUT set with --out")
    }
    g.settings.data.classes = Setting(classes.map { Located($0, at: d.source.range) }, at: d.source.range, isDefault: false)
    let data = try DataPlan.testSet(g)
    return OODSet(name: testName(g, classes: classes), origin: "the model's test set, \(classes.count == 1 ? "class" : "classes") \(labelList(classes))", data: data)
  }

  /// A data file given on the command line (IDX, NPY or CSV, optionally gzipped), checked
  /// against the model: the same dimension, the same image shape, and, for image data,
  /// values in the model's pixel range [0, levels].
  package static func file(_ path: String, name: String?, model: TrainedModel) throws -> OODSet {
    let data = try readDataset(path)
    let g = model.graph.graph
    try data.checkFits(dimension: g.dimension.value, shape: g.shape?.value.map(\.value))
    if model.preprocessing.reportsBitsPerDimension {
      let top = Float(g.settings.data.levels.value)
      if let i = data.values.firstIndex(where: { !($0 >= 0 && $0 <= top) }) {
        throw OODError("\(path): the value at [\(i / data.dimension), \(i % data.dimension)] (indices from 0) is \(data.values[i]), "
          + "outside the model's pixel range [0, \(Int(top))]; give pixel intensities in the units of its training data")
      }
    }
    return OODSet(name: name ?? (path as NSString).lastPathComponent, origin: path, data: data)
  }

  /// `t10k-images-idx3-ubyte.gz, classes 0–8`.
  static func testName(_ g: FlowGraph, classes: [Int]?) -> String {
    let d = g.settings.data
    let file = (d.testPath ?? d.path).map { ($0.value as NSString).lastPathComponent } ?? d.source.value.rawValue
    let base = d.testPath == nil && !d.source.value.isToy ? "test split of \(file)" : file
    return classes.map { "\(base), \($0.count == 1 ? "class" : "classes") \(labelList($0))" } ?? base
  }
}
