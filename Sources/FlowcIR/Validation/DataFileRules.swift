#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif
import FlowcDiagnostics
import FlowcSpec

// MARK: - Where data paths point

/// A data path as the run reads it: absolute paths as written, relative ones joined to
/// `directory` (the spec file's folder, docs/spec.md), so a spec reads the same files
/// from whatever directory flowc is started in. An empty path stays empty (the
/// `data-file` rule reports it).
package func resolveDataPath(_ path: String, against directory: String) -> String {
  // Bytes, not Characters: "/" followed by a combining mark is still an absolute path.
  guard !path.isEmpty, path.utf8.first != UInt8(ascii: "/") else { return path }
  guard !directory.isEmpty, directory != "." else { return path }
  return directory.utf8.last == UInt8(ascii: "/") ? directory + path : directory + "/" + path
}

/// The folder of `file` ("specs" for "specs/moons.yaml", "." for "moons.yaml").
package func folder(of file: String) -> String {
  guard let slash = file.lastIndex(of: "/") else { return "." }
  return slash == file.startIndex ? "/" : String(file[..<slash])
}

extension FlowGraph {
  /// Rewrites `data.path`, `data.test_path`, `data.labels` and `data.test_labels` to the
  /// paths the run reads (see `resolveDataPath`); their ranges keep pointing at the spec's
  /// text.
  package mutating func resolveDataPaths(against directory: String) {
    if let p = settings.data.path { settings.data.path!.value = resolveDataPath(p.value, against: directory) }
    if let p = settings.data.testPath { settings.data.testPath!.value = resolveDataPath(p.value, against: directory) }
    if let p = settings.data.labels { settings.data.labels!.value = resolveDataPath(p.value, against: directory) }
    if let p = settings.data.testLabels { settings.data.testLabels!.value = resolveDataPath(p.value, against: directory) }
  }

  /// The data files a file source names, by key, in the order they are read.
  package var dataFileSettings: [(key: String, setting: Setting<String>)] {
    let d = settings.data
    return [("path", d.path), ("labels", d.labels), ("test_path", d.testPath), ("test_labels", d.testLabels)]
      .compactMap { key, setting in setting.map { (key, $0) } }
  }
}

// MARK: - The data-format rule (pure)

/// The file format a data file's name announces, looking past a final `.gz`; nil when
/// the name says nothing (`images.bin`). Mirrors `DataFormat(fileName:)` of FlowData
/// (a test holds the two to the same table), which the IR cannot import.
package func dataFormatNamed(by path: String) -> DataSpec.Source? {
  var name = Substring(path.split(separator: "/").last ?? Substring(path)).lowercased()
  if name.hasSuffix(".gz") { name.removeLast(3) }
  if name.hasSuffix(".csv") || name.hasSuffix(".txt") || name.hasSuffix(".tsv") || name.hasSuffix(".dat") { return .csv }
  if name.hasSuffix(".npy") { return .npy }
  if name.hasSuffix(".idx") || name.hasSuffix(".idx3") || name.hasSuffix("-ubyte") || name.contains("-idx") { return .idx }
  return nil
}

/// `data-format`: the declared `source:` decides how a file is read, so a file whose
/// name announces another format (`source: csv` with `x.npy`) is a mistake in one of
/// the two.
@Sendable func checkDataFormats(_ g: FlowGraph) -> [Diagnostic] {
  let d = g.settings.data
  guard !d.source.value.isToy else { return [] }
  var out: [Diagnostic] = []
  for (key, setting) in [("path", d.path), ("test_path", d.testPath)] {
    guard let setting, let named = dataFormatNamed(by: setting.value), named != d.source.value else { continue }
    out.append(IRDiagnostics.dataFormat(key, path: setting.value, named: named.rawValue, declared: d.source, at: setting.range))
  }
  return out
}

// MARK: - The data-file rule (reads the file system)

/// What is wrong with a data path, as `checkDataFiles` finds it.
package enum DataPathProblem: Equatable, Sendable {
  case empty
  case missing
  case directory
  case notRegular
  case unreadable(reason: String)
}

/// What `stat` says about `path`, without opening it (opening a FIFO would wait for a
/// writer): nil for a readable regular file.
package func dataPathProblem(_ path: String) -> DataPathProblem? {
  guard !path.isEmpty else { return .empty }
  var st = stat()
  guard stat(path, &st) == 0 else {
    let e = errno
    if e == ENOENT || e == ENOTDIR { return .missing }
    return .unreadable(reason: String(cString: strerror(e)))
  }
  switch st.st_mode & S_IFMT {
  case S_IFREG: break
  case S_IFDIR: return .directory
  default: return .notRegular
  }
  guard access(path, R_OK) == 0 else { return .unreadable(reason: String(cString: strerror(errno))) }
  return nil
}

/// `data-file`: every data path of a file source names a readable regular file. A file
/// that does not exist yet is a warning (a spec may be checked before its data is
/// copied to the training machine, and `flowc run` refuses it before it makes a run
/// directory); an empty path, a directory, a device or FIFO, or an unreadable file is an
/// error. Runs after validation, on the resolved paths.
package func checkDataFiles(_ g: FlowGraph) -> [Diagnostic] {
  let d = g.settings.data
  guard !d.source.value.isToy else { return [] }
  var out: [Diagnostic] = []
  for (key, setting) in g.dataFileSettings {
    guard let problem = dataPathProblem(setting.value) else { continue }
    out.append(IRDiagnostics.dataFile(key, path: setting.value, problem, at: setting.range))
  }
  return out
}
