/// The package's hand-written Python files (`Python/` beside this file), embedded in the
/// flowc binary at build time: the family files of module classes and the files every
/// package has. Each is plain Python, readable and testable on its own.
enum PythonSources {
  /// The family file's text.
  static func source(_ family: PyTorchFamily) -> String {
    let bytes: [UInt8]
    switch family {
    case .nets: bytes = PackageResources.nets_py
    case .couplings: bytes = PackageResources.couplings_py
    case .splines: bytes = PackageResources.splines_py
    case .autoregressive: bytes = PackageResources.autoregressive_py
    case .normalization: bytes = PackageResources.normalization_py
    case .linear: bytes = PackageResources.linear_py
    case .permutations: bytes = PackageResources.permutations_py
    case .elementwise: bytes = PackageResources.elementwise_py
    case .multiscale: bytes = PackageResources.multiscale_py
    case .priors: bytes = PackageResources.priors_py
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The files every package has, by name: the flow base class, the data, the checkpoint
  /// format, evaluation and training.
  static let common: [(name: String, text: String)] = [
    ("core.py", String(decoding: PackageResources.core_py, as: UTF8.self)),
    ("data.py", String(decoding: PackageResources.data_py, as: UTF8.self)),
    ("checkpoint.py", String(decoding: PackageResources.checkpoint_py, as: UTF8.self)),
    ("evaluate.py", String(decoding: PackageResources.evaluate_py, as: UTF8.self)),
    ("optim.py", String(decoding: PackageResources.optim_py, as: UTF8.self)),
    ("train.py", String(decoding: PackageResources.train_py, as: UTF8.self)),
  ]
}
