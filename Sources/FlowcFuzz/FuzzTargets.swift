import FlowData
import FlowcDiagnostics
import FlowcIR

/// The two fuzz targets of issue #14, shared by the libFuzzer executables
/// (`fuzz-front-end`, `fuzz-data-readers`, built by `.ci/fuzz`) and by the corpus tests,
/// which replay every seed and every regression input through the same functions.
///
/// Each target feeds arbitrary bytes to one part of flowc and checks what must hold for
/// any input; a crash, a trap or a failed check is a bug. Neither touches the disk.
package enum FuzzTargets {
  /// The front end: the bytes as a spec file through read → parse → decode → lower →
  /// validate (data files not looked up), every diagnostic printed as text and JSON, and
  /// a valid graph printed as IR text, JSON and dot. Leading comment lines
  /// `#!set key.path=value` become `--set` overrides, so the fuzzer reaches those too.
  package static func frontEnd(_ bytes: [UInt8]) {
    let source = SourceFile(path: "fuzz.yaml", bytes: bytes)
    var overrides: [String] = []
    for line in String(decoding: bytes.prefix(4096), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
      guard line.hasPrefix("#!set ") else { break }
      overrides.append(String(line.dropFirst(6)))
    }
    let result = Pipeline.check(source: source, options: Pipeline.Options(overrides: overrides, checkDataFiles: false))
    let diagnostics = result.diagnostics.sorted
    // A graph is validated exactly when no error was found.
    precondition((result.validated != nil) == !result.diagnostics.hasErrors,
                 "validated \(result.validated != nil) but \(result.diagnostics.errorCount) errors")
    _ = DiagnosticRenderer(sources: result.sources, colors: true, limit: 20).render(diagnostics)
    _ = DiagnosticJSON.encode(diagnostics)
    if let v = result.validated {
      _ = emitIRText(v)
      _ = emitGraphJSON(v)
      _ = emitDot(v)
    }
  }

  /// The data readers: the bytes as a CSV, NPY and IDX file (gzip inflated first, within
  /// small limits) and as IDX labels. Whatever decodes must be a well-formed data set of
  /// finite values, as the readers promise.
  package static func dataReaders(_ bytes: [UInt8]) {
    let limits = ReadLimits(maxFileBytes: 1 << 24, maxDataBytes: 1 << 26)
    for format in DataFormat.allCases {
      guard let d = try? decodeDataset(bytes, format: format, path: "fuzz.\(format.rawValue)", limits: limits) else { continue }
      precondition(d.count >= 1 && d.dimension >= 1 && d.values.count == d.count * d.dimension, "\(format): \(d.count)×\(d.dimension)")
      precondition(d.values.allSatisfy(\.isFinite), "\(format): a non-finite value was read")
      precondition(d.shape.map { $0.reduce(1, *) == d.dimension } ?? true, "\(format): shape \(d.shape!) for \(d.dimension)")
      _ = try? d.checkFits(dimension: d.dimension, shape: d.shape)
    }
    _ = try? decodeIDXLabels(bytes, path: "fuzz-labels", limits: limits)
  }
}
