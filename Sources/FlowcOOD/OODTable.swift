import FlowcDiagnostics
import FlowcIR

extension OODAnalysis {
  /// The table `flowc ood` prints: the model, the typical bits/dim, the IN set, then for
  /// each OUT set a line per score with AUROC, AUPR, FPR95 and the sizes compared.
  package func renderText() -> String {
    var s = "model \(checkpoint) ('\(modelName)', \(formatCount(dimension)) dimensions)\n"
    if let background { s += "background \(background)\n" }
    s += "typical bits/dim \(formatFixed(typicalBitsPerDimension, 4)) (mean over \(formatCount(typicalRows)) training rows)\n"
    s += "in:  \(describe(inSet))\n"
    let width = max(26, scores.map(\.title.count).max() ?? 0)
    for (k, o) in outSets.enumerated() {
      s += "\nout: \(describe(o))\n"
      s += "  " + pad("score", width) + "   AUROC    AUPR   FPR95      in     out\n"
      for r in results where r.out == k {
        s += "  " + pad(r.score.title, width) + " " + [r.metrics.auroc, r.metrics.averagePrecision, r.metrics.falsePositiveRateAt95]
          .map { alignRight(formatFixed($0, 3), 7) }.joined(separator: " ")
          + " " + alignRight(String(r.inCount), 7) + " " + alignRight(String(r.outCount), 7) + "\n"
      }
    }
    s += "\nhigher scores mean out of distribution (OUT is the positive class); AUPR is the average precision, "
      + "FPR95 the share of IN at or above the score that flags 95 % of OUT\n"
    return s
  }

  /// `name: 9,000 inputs, mean 3.951 bits/dim (2 with log p = -inf)`.
  func describe(_ s: ScoredSet) -> String {
    var text = "\(s.set.name): \(formatCount(s.count)) inputs, mean \(formatFixed(s.meanBitsPerDimension, 4)) bits/dim"
    for c in options.compressors {
      if let v = s.compressedBitsPerDimension[c], !v.isEmpty {
        text += ", \(c.rawValue) \(formatFixed(v.reduce(0, +) / Double(v.count), 4)) bits/dim"
      }
    }
    if let bg = s.backgroundBitsPerDimension {
      let finite = bg.filter(\.isFinite)
      text += ", background \(formatFixed(finite.reduce(0, +) / Double(max(1, finite.count)), 4)) bits/dim"
    }
    if s.nonFinite > 0 { text += " (\(s.nonFinite) with a non-finite log-density, scored as most out of distribution)" }
    return text
  }

  /// `--json`: one object per score and OUT set, one line each (JSON Lines), with the
  /// metrics, the set sizes and the checkpoints, so that results of several runs can be
  /// gathered into one table.
  package func jsonLines() -> String {
    results.map { r -> String in
      let o = outSets[r.out]
      var fields: [(String, JSONValue)] = [
        ("score", .string(r.score.id)), ("title", .string(r.score.title)), ("definition", .string(r.score.definition)),
        ("auroc", .double(r.metrics.auroc)), ("aupr", .double(r.metrics.averagePrecision)),
        ("fpr95", .double(r.metrics.falsePositiveRateAt95)),
        ("in", setJSON(inSet, count: r.inCount)), ("out", setJSON(o, count: r.outCount)),
        ("checkpoint", .string(checkpoint)), ("model", .string(modelName)),
        ("background", background.map { .string($0) } ?? .null),
        ("typical_bpd", .double(typicalBitsPerDimension)), ("typical_rows", .int(typicalRows)),
      ]
      if case .typicalityBatch(let m) = r.score { fields.append(("batch_size", .int(m))) }
      if case .complexity(let c) = r.score { fields.append(("compressor", .string(c.rawValue))) }
      return JSONValue.object(fields).serialized(pretty: false)
    }.joined(separator: "\n") + "\n"
  }

  func setJSON(_ s: ScoredSet, count: Int) -> JSONValue {
    .object([("name", .string(s.set.name)), ("origin", .string(s.set.origin)), ("inputs", .int(s.count)),
             ("count", .int(count)), ("mean_bpd", .double(s.meanBitsPerDimension)), ("non_finite", .int(s.nonFinite))])
  }
}

/// `text` padded with spaces to `width` (left-aligned).
func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }

/// `text` right-aligned in `width`.
func alignRight(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
