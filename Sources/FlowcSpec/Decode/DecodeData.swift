import FlowcDiagnostics

extension SpecDecoder {
  /// `data:`: where examples come from, and the image preprocessing chain.
  func decodeData(_ node: YAMLNode, _ subject: String) -> DataSpec? {
    guard let r = MappingReader.open(node, subject, place: "in 'data'", section: .data, decoder: self) else { return nil }
    var spec = DataSpec(range: node.range)
    spec.source = r.require("source", .oneOf(DataSpec.Source.self), example: "source: moons")
    spec.noise = r.optional("noise", .double)
    spec.factor = r.optional("factor", .double)
    spec.fresh = r.optional("fresh", .bool)
    spec.trainSize = r.optional("train_size", .int)
    spec.validationSize = r.optional("validation_size", .int)
    spec.path = r.optional("path", .string)
    spec.testPath = r.optional("test_path", .string)
    spec.labels = r.optional("labels", .string)
    spec.testLabels = r.optional("test_labels", .string)
    spec.classes = r.optional("classes", .intList)
    spec.seed = r.optional("seed", .int)
    spec.preprocess = r.optional("preprocess", ValueReader { $0.decodePreprocess($1, $2) })
    spec.context = r.optional("context", ValueReader { $0.decodeContext($1, $2) })
    r.finish()
    return spec
  }

  /// `data.preprocess:`: dequantisation, intensity levels and the logit transform.
  func decodePreprocess(_ node: YAMLNode, _ subject: String) -> PreprocessSpec? {
    guard let r = MappingReader.open(node, subject, place: "in 'data.preprocess'", section: .preprocess, decoder: self) else { return nil }
    var spec = PreprocessSpec(range: node.range)
    spec.dequantize = r.optional("dequantize", .bool)
    spec.levels = r.optional("levels", .int)
    spec.logitAlpha = r.optional("logit_alpha", .double)
    r.finish()
    return spec
  }

  /// `data.context:`: what a conditional flow conditions on (class labels and their
  /// encoding, or named CSV columns), and how it is encoded.
  func decodeContext(_ node: YAMLNode, _ subject: String) -> ContextSpec? {
    guard let r = MappingReader.open(node, subject, place: "in 'data.context'", section: .context, decoder: self) else { return nil }
    var spec = ContextSpec(range: node.range)
    spec.encoding = r.optional("encoding", .oneOf(ContextSpec.Encoding.self))
    spec.columns = r.optional("columns", .stringList)
    spec.standardize = r.optional("standardize", .bool)
    // A column context has no classes: `num_classes` is required only without `columns`
    // (with it, it is a conflict the validator reports).
    spec.numClasses = r.has("columns") ? r.optional("num_classes", .int) : r.require("num_classes", .int, example: "num_classes: 10")
    spec.embeddingWidth = r.optional("embedding_width", .int)
    r.finish()
    return spec
  }
}

extension SpecSection {
  /// `data:`.
  package static let data = SpecSection("data", "Where training, validation and test examples come from.", keys: [
    SpecKey("source", .names(.rawValues(of: DataSpec.Source.self)),
            "A toy generator (moons, circles, eight_gaussians, checkerboard, two_spirals, pinwheel) or a file format (csv, npy, idx).",
            required: true),
    SpecKey("noise", .number, "The Gaussian noise of moons and circles.", default: formatNumber(SpecDefaults.noise)),
    SpecKey("factor", .number, "The inner circle's radius relative to the outer (circles).", default: formatNumber(SpecDefaults.circlesFactor)),
    SpecKey("fresh", .boolean, "Toy data drawn anew for every batch (true) or a fixed training set of `train_size` points.",
            default: String(SpecDefaults.fresh)),
    SpecKey("train_size", .integer, "The fixed training set's size (toy data with fresh: false), or a cap on a file's training rows."),
    SpecKey("validation_size", .integer, "Examples held out for validation; default 1,000 for toy data, 10 % of a file's non-test rows."),
    SpecKey("path", .string, "The data file (csv, npy or idx; `.gz` is read through zlib)."),
    SpecKey("test_path", .string, "A separate test file; without it the test set is split from `path`."),
    SpecKey("labels", .string,
            "An IDX label file (magic 0x00000801) with one integer label per example of `path`; the labels travel with the rows through shuffling and splitting."),
    SpecKey("test_labels", .string, "The IDX label file of `test_path`."),
    SpecKey("classes", .list(.integer),
            "Keep only the examples whose label is in this list, in training, validation and test sets alike (needs `labels`, and `test_labels` with `test_path`)."),
    SpecKey("seed", .integer, "The seed of the data streams (batches, validation set, dequantisation noise).", default: "train.seed"),
    SpecKey("preprocess", .section("preprocess"), "The image preprocessing chain, whose Jacobian enters every log-density."),
    SpecKey("context", .section("context"),
            "A conditional flow's context: each example's class label (from `labels`) or the values of named CSV columns, fed to every conditioner and to a `conditional_normal` prior."),
  ])

  /// `data.context:`.
  package static let context = SpecSection("context", "What a conditional flow conditions on: class labels and their encoding, or named CSV columns.", keys: [
    SpecKey("encoding", .names(.rawValues(of: ContextSpec.Encoding.self)),
            "one_hot: class k is the unit vector e_k; embedding: row k of a learned table shared by every layer; identity: the values of `columns` as they are (implied by `columns`).",
            default: SpecDefaults.contextEncoding.rawValue + " (identity with columns)"),
    SpecKey("columns", .list(.string),
            "Names of header columns of a CSV `path` (and `test_path`) whose real values are the context; they leave the features, so `dim` counts the other columns."),
    SpecKey("standardize", .boolean,
            "Feed each context column z-scored with the training rows' mean and standard deviation (kept in the checkpoint, so eval and sample take raw values); `columns` only.",
            default: "false"),
    SpecKey("num_classes", .integer, "The number of classes K; every label must lie in 0 ..< K (required without `columns`)."),
    SpecKey("embedding_width", .integer, "The width of an embedding row (encoding: embedding only).",
            default: String(SpecDefaults.embeddingWidth)),
  ])

  /// `data.preprocess:`.
  package static let preprocess = SpecSection("preprocess", "Dequantisation, intensity scaling and the logit transform.", keys: [
    SpecKey("dequantize", .boolean, "Add U[0, 1) noise to integer data before scaling.", default: "false"),
    SpecKey("levels", .integer, "Intensity levels of the integer data (256 for 8-bit images); data are divided by it.",
            default: String(SpecDefaults.levels)),
    SpecKey("logit_alpha", .number, "Real NVP's logit transform logit(α + (1 − 2α)·x) with this α (0.05 in the paper)."),
  ])
}
