import FlowcDiagnostics
import FlowcSpec

/// The lowering and validation messages: one factory per message, alphabetical by id.
///
/// Lowering, the validation rules and the layer kinds (`Kinds/`) all build their
/// diagnostics here, so no call site spells an id or message text. A rule about a
/// layer inside a `repeat` passes the node, and the factory adds the note naming the
/// repeat. docs/diagnostics.md sections 4 and 5 document every id.
package enum IRDiagnostics {
  /// Every id these stages emit; the raw value is the id printed and documented.
  package enum ID: String, DiagnosticID {
    case autoregressiveOrder = "autoregressive-order"
    case batchnormEpsilon = "batchnorm-epsilon"
    case channelMaskOneChannel = "channel-mask-one-channel"
    case checkerboardShape = "checkerboard-shape"
    case contextClassRange = "context-class-range"
    case contextColumnsConflict = "context-columns-conflict"
    case contextColumnsEmpty = "context-columns-empty"
    case contextColumnsSource = "context-columns-source"
    case contextMissing = "context-missing"
    case contextNeedsLabels = "context-needs-labels"
    case contextUnused = "context-unused"
    case convNetNeedsImage = "conv-net-needs-image"
    case couplingNets = "coupling-nets"
    case dataDimension = "data-dimension"
    case dataFile = "data-file"
    case dataFormat = "data-format"
    case dimensionTooLarge = "dimension-too-large"
    case duplicateClass = "duplicate-class"
    case duplicateContextColumn = "duplicate-context-column"
    case elementwiseNotMonotone = "elementwise-not-monotone"
    case epochsFreshData = "epochs-fresh-data"
    case flipWithoutPrevious = "flip-without-previous"
    case flowTooLarge = "flow-too-large"
    case kernelSize = "kernel-size"
    case linearNotLU = "linear-not-lu"
    case linearNotSquare = "linear-not-square"
    case logitUnscaledData = "logit-unscaled-data"
    case madeNarrowHidden = "made-narrow-hidden"
    case maskKeepsNothing = "mask-keeps-nothing"
    case maskSize = "mask-size"
    case maskTransformsNothing = "mask-transforms-nothing"
    case maskValues = "mask-values"
    case missingHidden = "missing-hidden"
    case missingLabels = "missing-labels"
    case missingPath = "missing-path"
    case missingTrainSize = "missing-train-size"
    case needsImage = "needs-image"
    case permutationInvalid = "permutation-invalid"
    case permutationSize = "permutation-size"
    case resourceBudget = "resource-budget"
    case sameMask = "same-mask"
    case scaleNotPositive = "scale-not-positive"
    case shapeDimension = "shape-dimension"
    case sharedNetOutputActivation = "shared-net-output-activation"
    case splineBound = "spline-bound"
    case splitChannels = "split-channels"
    case squeezeOddSize = "squeeze-odd-size"
    case trainLength = "train-length"
    case unknownTemplate = "unknown-template"
    case unsupportedVersion = "unsupported-version"
    case untransformedDimension = "untransformed-dimension"
    case unusedSetting = "unused-setting"
    case valueRange = "value-range"
  }

  /// An explicit `maf`/`iaf` order that lists an index twice: some dimension would get no
  /// degree, and the layer would not be autoregressive (nor invertible).
  static func autoregressiveOrderDuplicate(_ duplicate: Int, missing: Int, at r: SourceRange) -> Diagnostic {
    .error(ID.autoregressiveOrder,
           "order lists \(duplicate) twice and never lists \(missing), so it is not an autoregressive order: dimension \(missing) would have no place",
           at: r, suggestion: "list every dimension exactly once, or write 'order: natural', 'reversed' or 'random'")
  }

  /// An explicit order with an entry outside 0..<d.
  static func autoregressiveOrderOutOfRange(_ entry: Int, dimension d: Int, at r: SourceRange) -> Diagnostic {
    .error(ID.autoregressiveOrder, "order entry \(entry) is outside 0..\(d - 1)", at: r,
           suggestion: "list every dimension from 0 to \(d - 1) exactly once")
  }

  /// An explicit order with other than one entry per dimension.
  static func autoregressiveOrderSize(_ count: Int, dimension: Located<Int>, at r: SourceRange) -> Diagnostic {
    .error(ID.autoregressiveOrder, "order has \(count) entries but the flow has dimension \(dimension.value)",
           at: r, notes: [dimensionNote(dimension)], suggestion: "list every dimension exactly once, or write 'order: natural'")
  }

  /// `batch_norm` with `epsilon` zero, negative or not finite.
  static func batchNormEpsilon(_ eps: Double, at r: SourceRange) -> Diagnostic {
    .error(ID.batchnormEpsilon, "batch_norm epsilon must be a finite number > 0 (it is \(formatNumber(eps))); with 0 a constant feature divides by zero",
           at: r, suggestion: "use the default 1e-5")
  }

  /// A channel mask (`first_half`, `second_half`) on a one-channel image (FrEIA#8).
  static func channelMaskOneChannel(_ generator: String, input: TensorShape, at r: SourceRange) -> Diagnostic {
    .error(ID.channelMaskOneChannel, "'\(generator)' splits the channels, but this layer's input \(input) has one channel",
           at: r, suggestion: "squeeze first ([1, 28, 28] becomes [4, 14, 14]), or use 'checkerboard'")
  }

  /// `keep: checkerboard` without a 2-D `shape` (nil: no shape at all).
  static func checkerboardShape(at r: SourceRange, shape: [Int]?) -> Diagnostic {
    .error(ID.checkerboardShape,
           shape == nil ? "a checkerboard mask needs the image 'shape' of the data"
                        : "a checkerboard mask needs a 2-D 'shape' (rows, columns), this one has \(shape!.count) \(shape!.count == 1 ? "axis" : "axes")",
           at: r, suggestion: "declare 'shape: [28, 28]' at the top of the spec, or use 'even'/'odd' masks")
  }

  /// A convolutional net where the layer cannot give it an image (`reason` says why).
  static func convNetNeedsImage(_ role: String, type: String, reason: String, at r: SourceRange,
                                typeSetAt: SourceRange?) -> Diagnostic {
    .error(ID.convNetNeedsImage, "the \(role == "net" ? "coupling's" : role) network is a '\(type)' net, which needs an image input, but \(reason)",
           at: r, notes: typeSetAt.map { [.init("the net's type is set here", at: $0)] } ?? [], suggestion: "declare the data as 'shape: [C, H, W]', use channel masks ('first_half') or a checkerboard with net_io 'masked', or use an MLP ('type: mlp')")
  }

  /// A coupling with `net` and also `scale` or `shift`.
  static func couplingNetsBoth(_ kind: String, at r: SourceRange) -> Diagnostic {
    .error(ID.couplingNets, "\(kind) has both 'net' and separate networks", at: r,
           suggestion: "give either 'net' (one network, two heads) or 'scale' and 'shift'")
  }

  /// A coupling without the networks its kind needs (`affine`: scale and shift).
  static func couplingNetsMissing(_ kind: String, affine: Bool, at r: SourceRange) -> Diagnostic {
    let want = affine ? "'scale' and 'shift' networks, or one 'net' with two heads" : "a 'shift' network (or 'net')"
    return .error(ID.couplingNets, "\(kind) needs \(want)", at: r,
                  suggestion: affine ? "add 'scale: <template>' and 'shift: <template>'" : "add 'shift: <template>'")
  }

  /// A toy source (2-D points) in a flow of another dimension.
  static func dataDimension(_ source: String, dimension: Located<Int>, at r: SourceRange) -> Diagnostic {
    .error(ID.dataDimension, "data source '\(source)' draws 2-dimensional points but the flow has dimension \(dimension.value)",
           at: r, notes: [dimensionNote(dimension)], suggestion: "set 'dim: 2'")
  }

  /// A data path that names no readable regular file (`path` is the resolved path).
  /// A file that does not exist yet is a warning; the rest are errors.
  package static func dataFile(_ key: String, path: String, _ problem: DataPathProblem, at r: SourceRange) -> Diagnostic {
    let relativeHelp = path.hasPrefix("/") ? "" : "; relative paths are read from the spec file's folder"
    switch problem {
    case .empty:
      return .error(ID.dataFile, "'\(key)' is empty", at: r, suggestion: "give the data file's path")
    case .missing:
      return .warning(ID.dataFile, "'\(key)' names '\(path)', which does not exist", at: r,
                      suggestion: "check the path\(relativeHelp); 'flowc run' needs the file")
    case .directory:
      return .error(ID.dataFile, "'\(key)' names '\(path)', which is a directory, not a data file", at: r,
                    suggestion: "name the file inside it")
    case .notRegular:
      return .error(ID.dataFile, "'\(key)' names '\(path)', which is not a regular file (a device, FIFO or socket)", at: r,
                    suggestion: "flowc reads data only from regular files; copy the data to a file")
    case .unreadable(let reason):
      return .error(ID.dataFile, "'\(key)' names '\(path)', which cannot be read: \(reason)", at: r,
                    suggestion: "check the file's permissions")
    }
  }

  /// A run-time failure to load a data file (missing, malformed, the wrong size),
  /// located at the spec's `path` or `test_path`: `message` is the reader's, naming the file.
  package static func dataFileLoad(_ message: String, at r: SourceRange) -> Diagnostic {
    .error(ID.dataFile, message, at: r)
  }

  /// A data file whose name announces another format than the declared `source:`.
  static func dataFormat(_ key: String, path: String, named: String, declared: Setting<DataSpec.Source>,
                         at r: SourceRange) -> Diagnostic {
    let kind = switch named {
    case "csv": "a CSV file"
    case "npy": "a NumPy .npy file"
    case "idx": "an IDX file"
    default: "a \(named) file"
    }
    return .error(ID.dataFormat, "'\(key)' names '\(path)', \(kind) by its name, but 'source' is '\(declared.value.rawValue)'",
                  at: r, notes: declared.isDefault ? [] : [.init("the source is declared here; it decides how the file is read", at: declared.range)],
                  suggestion: "set 'source: \(named)', or rename the file if it really is \(declared.value.rawValue)")
  }

  /// A dimension over `SpecDefaults.maxDimension`, refused before anything is expanded.
  static func dimensionTooLarge(_ d: Int, at r: SourceRange) -> Diagnostic {
    .error(ID.dimensionTooLarge, "dimension \(d) is larger than flowc supports (\(SpecDefaults.maxDimension))",
           at: r, suggestion: "flows here act on flattened vectors; is the shape right?")
  }
  /// A label listed twice in `classes:` (a typo for another class, most likely).
  static func duplicateClass(_ label: Int, at r: SourceRange, first: SourceRange) -> Diagnostic {
    .error(ID.duplicateClass, "class \(label) is listed twice in 'classes'", at: r,
           notes: [.init("first listed here", at: first)], suggestion: "remove one, or write the class that was meant")
  }


  /// A column listed twice in `context.columns`.
  static func duplicateContextColumn(_ name: String, at r: SourceRange, first: SourceRange) -> Diagnostic {
    .error(ID.duplicateContextColumn, "column '\(name)' is listed twice in 'columns'", at: r,
           notes: [.init("first listed here", at: first)], suggestion: "remove one, or write the column that was meant")
  }

  /// An elementwise function that is not invertible, and why.
  static func elementwiseNotMonotone(_ function: String, why: String, at r: SourceRange) -> Diagnostic {
    .error(ID.elementwiseNotMonotone, "elementwise '\(function)' is not strictly monotone, so it is not invertible: \(why)",
           at: r, suggestion: "use leaky_relu with a slope > 0, sigmoid, logit or tanh")
  }

  /// `epochs` when toy data are drawn fresh for every batch.
  static func epochsFreshData(at r: SourceRange) -> Diagnostic {
    .error(ID.epochsFreshData, "an epoch is a pass over a fixed training set, but the data are drawn fresh for every batch",
           at: r, suggestion: "use 'steps', or set 'fresh: false' with a 'train_size' under 'data'")
  }

  /// `keep: flip` on the first coupling.
  static func flipWithoutPrevious(at r: SourceRange) -> Diagnostic {
    .error(ID.flipWithoutPrevious, "'flip' takes the previous coupling's mask, but no coupling comes before this one",
           at: r, suggestion: "give the first coupling an explicit mask or a generator such as 'even'")
  }

  /// More than `SpecDefaults.maxLayers` layers after expansion (`Int.max`: past counting).
  static func flowTooLarge(_ n: Int, at r: SourceRange) -> Diagnostic {
    .error(ID.flowTooLarge,
           "the flow expands to \(n == .max ? "more than \(SpecDefaults.maxLayers)" : String(n)) layers; at most \(SpecDefaults.maxLayers) are supported",
           at: r, suggestion: "lower the repeat counts")
  }

  /// `parametrization: dense`.
  /// A convolution kernel size that is even or below 1 (same padding needs it odd).
  static func kernelSize(_ k: Int, at r: SourceRange) -> Diagnostic {
    .error(ID.kernelSize, "kernel size \(k) is not an odd number >= 1; convolutions here are same-padded, which needs an odd kernel to keep the image's size",
           at: r, suggestion: "use 1, 3 or 5")
  }

  static func linearNotLU(at r: SourceRange) -> Diagnostic {
    .error(ID.linearNotLU, "a 'dense' linear layer can become singular during training",
           at: r, suggestion: "use 'parametrization: lu' (Glow): invertible by construction, log-det in O(D)")
  }

  /// A linear layer whose `features` differ from its inputs.
  static func linearNotSquare(_ inputs: Int, features: Int, at r: SourceRange) -> Diagnostic {
    .error(ID.linearNotSquare, "linear layer maps \(inputs) features to \(features); only a square matrix is invertible",
           at: r, suggestion: "leave 'features' out or set it to \(inputs)")
  }

  /// `logit_alpha` on data that are neither dequantized nor scaled into [0, 1].
  static func logitUnscaledData(_ source: String, at r: SourceRange) -> Diagnostic {
    .warning(ID.logitUnscaledData, "the logit transform expects data in [0, 1], but '\(source)' data are neither dequantized nor scaled by 'levels'",
             at: r, suggestion: "set 'dequantize: true' for integer pixel data, or remove 'logit_alpha'")
  }

  /// A MADE hidden layer narrower than D − 1: the inputs of degree c+1 ... D−1 reach no
  /// output (see `MADEConnectivity`); says which dimensions each output cannot see.
  static func madeNarrowHidden(layer: Int, width: Int, dimension d: Int, order: [Int], reachable c: Int,
                               affected: Int, shown missing: [(output: Int, inputs: [Int], count: Int)],
                               at r: SourceRange, orderAt: SourceRange, notes: [Diagnostic.Note]) -> Diagnostic {
    let lost = order[c..<(d - 1)]
    let which = lost.count == 1 ? "dimension \(lost.first!) (number \(c + 1) in the order) reaches"
      : "dimensions \(IndexListFormat.format(Array(lost.prefix(16)), width: 24))\(lost.count > 16 ? ",..." : "") (numbers \(c + 1) to \(d - 1) in the order) reach"
    func list(_ m: (output: Int, inputs: [Int], count: Int)) -> String {
      IndexListFormat.format(m.inputs, width: 24) + (m.count > m.inputs.count ? ",... (\(m.count) entries)" : "")
    }
    var shown = missing.map { "\($0.output) without \(list($0))" }
    shown[0] = "dimension \(missing[0].output) is modelled without \(list(missing[0]))"
    let more = affected > missing.count ? "; and \(affected - missing.count) more" : ""
    return .warning(ID.madeNarrowHidden,
                    "hidden layer \(layer) of the MADE has \(width) unit\(width == 1 ? "" : "s"), fewer than D - 1 = \(d - 1): \(which) no output, so \(shown.joined(separator: "; "))\(more)",
                    at: r, notes: [.init("the order is set here", at: orderAt)] + notes,
                    suggestion: "make every hidden layer at least \(d - 1) wide, so each dimension can depend on all dimensions before it")
  }

  /// A mask without a 1.
  static func maskKeepsNothing(at r: SourceRange, node: GraphNode) -> Diagnostic {
    .error(ID.maskKeepsNothing, "this mask keeps no dimension, so the coupling's networks see nothing",
           at: r, notes: repeatNote(node), suggestion: "a 1 marks a kept dimension; keep about half")
  }

  /// A mask with other than one entry per feature of its layer (`width`: the flow's
  /// dimension, or fewer after a split; `note` says where the width comes from).
  static func maskSize(_ count: Int, width: Int, flowDimension: Int, note: Diagnostic.Note, at r: SourceRange,
                       node: GraphNode) -> Diagnostic {
    .error(ID.maskSize, width == flowDimension ? "mask has \(count) entries but the flow has dimension \(width)"
                                               : "mask has \(count) entries but layer %\(node.index) acts on \(width) features",
           at: r, notes: [note] + repeatNote(node),
           suggestion: "write one 0/1 entry per dimension, or use a generator such as 'even'")
  }

  /// A mask without a 0.
  static func maskTransformsNothing(at r: SourceRange, node: GraphNode) -> Diagnostic {
    .error(ID.maskTransformsNothing, "this mask keeps every dimension, so the coupling transforms nothing",
           at: r, notes: repeatNote(node), suggestion: "a 0 marks a transformed dimension; transform about half")
  }

  /// The first mask entry that is neither 0 nor 1.
  static func maskValues(entry: Int, value: Int, at r: SourceRange, node: GraphNode) -> Diagnostic {
    .error(ID.maskValues, "mask entry \(entry) is \(value); mask entries are 0 (transformed) or 1 (kept)",
           at: r, notes: repeatNote(node))
  }

  /// A network (`role`: scale, shift or net) whose template chain gives no `hidden`.
  static func missingHidden(_ role: String, at r: SourceRange) -> Diagnostic {
    .error(ID.missingHidden, "the \(role) network has no 'hidden' sizes", at: r,
           suggestion: "add 'hidden: [256, 256]' to the network or its template")
  }
  /// `classes:` without `labels:`: nothing says which example has which class.
  static func missingLabels(at r: SourceRange) -> Diagnostic {
    .error(ID.missingLabels, "'classes' selects examples by their label, but 'labels' is not given", at: r,
           suggestion: "add 'labels: <the IDX label file of path>' to 'data'")
  }

  /// `classes:` with `test_path:` but without `test_labels:`: the test file cannot be filtered.
  static func missingTestLabels(at r: SourceRange, testPath: SourceRange) -> Diagnostic {
    .error(ID.missingLabels, "'classes' also selects the examples of 'test_path', but 'test_labels' is not given", at: r,
           notes: [.init("the test file is given here", at: testPath)],
           suggestion: "add 'test_labels: <the IDX label file of test_path>' to 'data'")
  }


  /// `context:` with a toy source or without `labels:`: nothing gives an example its class.
  static func contextNeedsLabels(source: String?, at r: SourceRange) -> Diagnostic {
    if let source {
      return .error(ID.contextNeedsLabels, "'context' conditions on class labels, which data source '\(source)' does not read", at: r,
                    suggestion: "use a file source (idx, npy, csv) with 'labels: <an IDX label file>'")
    }
    return .error(ID.contextNeedsLabels, "'context' conditions on class labels, but 'labels' is not given", at: r,
                  suggestion: "add 'labels: <the IDX label file of path>' to 'data'")
  }

  /// `context:` with `test_path:` but no `test_labels:`: the test examples have no class.
  static func contextNeedsTestLabels(at r: SourceRange, testPath: SourceRange) -> Diagnostic {
    .error(ID.contextNeedsLabels, "'context' conditions on class labels, but the examples of 'test_path' have none ('test_labels' is not given)",
           at: r, notes: [.init("the test file is given here", at: testPath)],
           suggestion: "add 'test_labels: <the IDX label file of test_path>' to 'data'")
  }

  /// A `classes:` entry the context cannot encode (at least `num_classes`).
  static func contextClassRange(_ label: Int, numClasses: Int, at r: SourceRange, numClassesAt: SourceRange) -> Diagnostic {
    .error(ID.contextClassRange, "class \(label) is kept by 'classes', but the context encodes labels 0 ..< \(numClasses)", at: r,
           notes: [.init("'num_classes' is \(numClasses) here", at: numClassesAt)],
           suggestion: "set 'num_classes' to at least \(label + 1)")
  }

  /// A key of a class context (`num_classes`, `embedding_width`, a class `encoding`)
  /// beside `columns`: the context is either class labels or columns, not both.
  static func contextColumnsConflict(_ key: String, at r: SourceRange, columnsAt: SourceRange) -> Diagnostic {
    .error(ID.contextColumnsConflict, "'\(key)' describes a context of class labels, but 'columns' makes the context the values of CSV columns",
           at: r, notes: [.init("the context columns are given here", at: columnsAt)],
           suggestion: "remove '\(key.split(separator: ":").first ?? "")' (a column context is fed as it is), or remove 'columns' to condition on 'labels'")
  }

  /// `columns: []`: a context of no values.
  static func contextColumnsEmpty(at r: SourceRange) -> Diagnostic {
    .error(ID.contextColumnsEmpty, "'columns' names no column, so the context would have no values", at: r,
           suggestion: "name at least one column of the CSV header, e.g. 'columns: [temperature]', or remove 'context'")
  }

  /// `columns:` with a source other than a CSV file: only a CSV header names columns.
  static func contextColumnsSource(_ source: String, at r: SourceRange, sourceAt: SourceRange) -> Diagnostic {
    .error(ID.contextColumnsSource, "'columns' takes the context from named columns of a CSV header, which data source '\(source)' does not have",
           at: r, notes: [.init("the data source is set here", at: sourceAt)],
           suggestion: "use 'source: csv' with a header line, or condition on class labels with 'labels' and 'num_classes'")
  }

  /// `encoding: identity` without `columns`: nothing to pass through as it is.
  static func contextIdentityWithoutColumns(at r: SourceRange) -> Diagnostic {
    .error(ID.contextColumnsConflict, "'encoding: identity' feeds the values of 'columns' as they are, but 'columns' is not given", at: r,
           suggestion: "add 'columns: [<header names>]' (a CSV source), or use 'one_hot' or 'embedding' for class labels")
  }

  /// A `conditional_normal` prior in a flow whose data give no context.
  static func contextMissing(at r: SourceRange) -> Diagnostic {
    .error(ID.contextMissing, "prior 'conditional_normal' conditions on the data's context, but 'data' has no 'context'", at: r,
           suggestion: "add 'context: {num_classes: <K>}' to 'data' (with 'labels') or 'context: {columns: [<names>]}' (a CSV source), or use 'diagonal_normal'")
  }

  /// A context that no network and no prior reads: the flow would ignore it.
  static func contextUnused(at r: SourceRange) -> Diagnostic {
    .warning(ID.contextUnused, "the flow has no conditioner network and an unconditional prior, so nothing reads 'context'", at: r,
             suggestion: "add a coupling or autoregressive layer, use prior 'conditional_normal', or remove 'context'")
  }

  /// A file data source without `path`.
  static func missingPath(_ source: String, at r: SourceRange) -> Diagnostic {
    .error(ID.missingPath, "data source '\(source)' reads a file, but 'path' is not given",
           at: r, suggestion: "add 'path: <file>' to 'data'")
  }

  /// `fresh: false` without `train_size`.
  static func missingTrainSize(at r: SourceRange) -> Diagnostic {
    .error(ID.missingTrainSize, "with 'fresh: false' the training set is drawn once, so it needs 'train_size'",
           at: r, suggestion: "add 'train_size: 10000', or use 'fresh: true' for a new batch every step")
  }

  /// A layer that needs an image [C, H, W] on a vector input.
  static func needsImage(_ what: String, input: TensorShape, at r: SourceRange) -> Diagnostic {
    .error(ID.needsImage, "'\(what)' needs an image input [C, H, W], but this layer's input is a vector of \(input.count) features",
           at: r, suggestion: "declare the data's shape with channels first, e.g. 'shape: [1, 28, 28]'")
  }

  /// An order that lists an index twice (and so misses another).
  static func permutationDuplicate(_ duplicate: Int, missing: Int, dimension d: Int, at r: SourceRange) -> Diagnostic {
    .error(ID.permutationInvalid, "permutation lists \(duplicate) twice and never lists \(missing), so it is not invertible",
           at: r, suggestion: "list every index from 0 to \(d - 1) exactly once")
  }

  /// An order with an entry outside 0..<d.
  static func permutationOutOfRange(_ entry: Int, dimension d: Int, at r: SourceRange) -> Diagnostic {
    .error(ID.permutationInvalid, "permutation entry \(entry) is outside 0..\(d - 1)", at: r)
  }

  /// An order with other than one entry per feature of its layer.
  static func permutationSize(_ count: Int, width: Int, note: Diagnostic.Note, at r: SourceRange) -> Diagnostic {
    .error(ID.permutationSize, "permutation has \(count) entries but the flow has dimension \(width)", at: r, notes: [note])
  }

  /// Training needs more memory than the limit, reported at the largest part of the
  /// estimate (a width, a batch size, a set size), which the message names; a limit set
  /// in the spec gets a note.
  static func resourceBudget(_ e: ResourceEstimate, limit: Setting<Int>, fallback: SourceRange) -> Diagnostic {
    var parts = "parameters \(formatBytes(e.parameterBytes)), optimizer state \(formatBytes(e.optimizerBytes)), activations \(formatBytes(e.activationBytes))"
    if e.dataBytes > 0 { parts += ", data sets \(formatBytes(e.dataBytes))" }
    parts += ", evaluation \(formatBytes(e.evaluationBytes))"
    var message = "training this flow needs about \(formatBytes(e.totalBytes)) (\(parts)), over the limit of \(formatBytes(limit.value))"
    var at = fallback
    if let largest = e.largest {
      message += "; the largest part is \(largest.what)\(largest.isDefault ? " (the default)" : ""), \(formatBytes(largest.bytes))"
      // A default has no place in the spec: point at the dimension instead.
      if !largest.isDefault { at = largest.range }
    }
    return .error(ID.resourceBudget, message, at: at,
                  notes: limit.isDefault ? [] : [.init("the limit is set here", at: limit.range)],
                  suggestion: "shrink that part, or raise 'limits: {memory: ...}' / --memory-limit if the machine has the memory")
  }

  /// Coupling `node` has the mask of coupling `previous`, just before it (a warning).
  static func sameMask(_ node: GraphNode, at r: SourceRange, previous: GraphNode, previousMask: SourceRange) -> Diagnostic {
    .warning(ID.sameMask, "coupling %\(node.index) has the same mask as coupling %\(previous.index) just before it",
             at: r, notes: [.init("the previous coupling's mask", at: previousMask)] + repeatNote(node),
             suggestion: "use 'keep: flip' to transform the other dimensions")
  }

  /// `scale_function: linear`.
  static func scaleNotPositive(at r: SourceRange, layer: String = "coupling") -> Diagnostic {
    .error(ID.scaleNotPositive,
           "scale_function 'linear' uses the net's output as the scale, which can be zero or negative, so the \(layer) is not invertible",
           at: r, suggestion: "use 'exp' (Real NVP) or 'sigmoid' (Glow): both are always positive")
  }

  /// A `shape` whose product is not `dim`.
  static func shapeDimension(_ shape: [Int], product: Int, dimension: Located<Int>, at r: SourceRange) -> Diagnostic {
    let text = shape.map(String.init).joined(separator: " × ")
    return .error(ID.shapeDimension, "shape \(text) has \(product) entries but 'dim' is \(dimension.value)",
                  at: r, notes: [dimensionNote(dimension)],
                  suggestion: "make 'dim' the product of 'shape', or leave 'dim' out")
  }

  /// An output activation on an affine coupling's two-headed `net`.
  static func sharedNetOutputActivation(at r: SourceRange, setAt activation: SourceRange) -> Diagnostic {
    .error(ID.sharedNetOutputActivation,
           "an output activation on a two-headed 'net' would apply to the shift head too",
           at: r, notes: [.init("the output activation is set here", at: activation)], suggestion: "use 'scale_clamp' on the coupling to bound the scale, or separate 'scale' and 'shift' nets")
  }

  /// A spline whose input values can leave its bound (a warning).
  static func splineBound(node: Int, position: Int, values: ClosedRange<Double>, origin: String, bound: InputBound,
                          source: SourceRange) -> Diagnostic {
    let b = bound.interval
    return .warning(
      ID.splineBound,
      "the values of dimension \(position) reaching %\(node) can lie in [\(formatFixed(values.lowerBound, 2)), \(formatFixed(values.upperBound, 2))] (\(origin)), beyond the spline's bound [\(formatNumber(b.lowerBound)), \(formatNumber(b.upperBound))]: \(bound.outside)",
      at: bound.range,
      notes: [.init("the data source is set here", at: source)],
      suggestion: bound.suggestion)
  }

  /// A split whose `channels` cannot be kept (`c`: its input's channels).
  static func splitChannels(_ keep: Int, of c: Int, at r: SourceRange) -> Diagnostic {
    .error(ID.splitChannels, c < 2 ? "a split needs at least two channels, and its input has \(c)"
                                   : "a split keeps 'channels' = \(keep) of its \(c) channels; it must keep at least 1 and send at least 1 to the prior",
           at: r, suggestion: c < 2 ? "squeeze first: [1, 28, 28] becomes [4, 14, 14]" : "keep between 1 and \(c - 1) channels (the default keeps half)")
  }

  /// A squeeze of an image with an odd height or width.
  static func squeezeOddSize(_ input: TensorShape, at r: SourceRange) -> Diagnostic {
    .error(ID.squeezeOddSize, "a squeeze halves the height and width, but its input \(input) has an odd one",
           at: r, suggestion: "squeeze only images with an even height and width (28 → 14 → 7 allows two squeezes)")
  }

  /// `train` with both `steps` and `epochs`.
  static func trainLengthBoth(at r: SourceRange) -> Diagnostic {
    .error(ID.trainLength, "'train' gives both 'steps' and 'epochs'; give one", at: r)
  }

  /// `train` with neither `steps` nor `epochs`.
  static func trainLengthNeither(at r: SourceRange) -> Diagnostic {
    .error(ID.trainLength, "'train' says neither how many 'steps' nor how many 'epochs' to train",
           at: r, suggestion: "add 'steps: 5000' or 'epochs: 10'")
  }

  /// A `use:` or template name that no template defines.
  static func unknownTemplate(_ name: String, at r: SourceRange, known: [String]) -> Diagnostic {
    let guess = EditDistance.suggestion(for: name, among: known)
    return .error(ID.unknownTemplate, "no template named '\(name)'", at: r,
                  suggestion: guess.map { "did you mean '\($0)'?" }
                    ?? (known.isEmpty ? "define it under 'templates:'" : "templates defined: \(known.joined(separator: ", "))"))
  }

  /// `version:` other than 1.
  static func unsupportedVersion(_ version: Int, at r: SourceRange) -> Diagnostic {
    .error(ID.unsupportedVersion, "spec language version \(version) is not known to this flowc, which reads version 1",
           at: r, suggestion: "write 'version: 1', or use the flowc that wrote this spec")
  }

  /// Data dimensions that no coupling transforms, at the first coupling's mask (at most
  /// twelve are listed).
  static func untransformedDimension(_ missing: [Int], firstMask r: SourceRange) -> Diagnostic {
    let list = missing.prefix(12).map(String.init).joined(separator: ", ") + (missing.count > 12 ? ", ..." : "")
    return .error(ID.untransformedDimension,
                  "\(missing.count == 1 ? "dimension" : "dimensions") \(list) \(missing.count == 1 ? "is" : "are") kept by every coupling and never transformed",
                  at: r,
                  notes: [.init("masks mark kept dimensions with 1; this is the first coupling's", at: r)],
                  suggestion: "alternate the masks ('keep: flip' after a coupling) or put a permutation between couplings")
  }

  /// A key of a net that its `type` does not read (a warning).
  static func netKeyUnused(_ key: String, type: String, at r: SourceRange) -> Diagnostic {
    .warning(ID.unusedSetting, "'\(key)' has no effect on a '\(type)' net", at: r, suggestion: "remove it, or change the net's 'type'")
  }

  /// `net` on a split whose prior is the standard normal (a warning).
  static func splitNetWithoutLearnedPrior(at r: SourceRange) -> Diagnostic {
    .warning(ID.unusedSetting, "'net' has no effect on a split with the standard prior", at: r,
             suggestion: "add 'prior: learned', or remove 'net'")
  }

  /// A setting that has no effect, and why (lowering records the reason, such as "with
  /// data source 'moons'").
  static func unusedSetting(_ key: String, reason: String, at r: SourceRange) -> Diagnostic {
    .warning(ID.unusedSetting, "'\(key)' has no effect \(reason)", at: r, suggestion: "remove it")
  }

  /// A number out of its range: "'lr' is -0.001; it must be a finite number > 0".
  package static func valueRange(_ what: String, _ value: some CustomStringConvertible, _ requirement: String,
                         at r: SourceRange) -> Diagnostic {
    let shown = (value as? Double).map(formatNumber) ?? value.description
    return .error(ID.valueRange, "\(what) is \(shown); it must be \(requirement)", at: r)
  }

  // MARK: - Notes

  /// "the flow's dimension 2 is set here".
  static func dimensionNote(_ dimension: Located<Int>) -> Diagnostic.Note {
    Diagnostic.Note("the flow's dimension \(dimension.value) is set here", at: dimension.range)
  }

  /// "the split %4 passes on 392 features ([2,14,14]) here".
  static func splitWidthNote(_ split: GraphNode) -> Diagnostic.Note {
    .init("the split %\(split.index) passes on \(split.outputDim) features (\(split.outputShape)) here", at: split.range)
  }

  /// Points at the `repeat` that expanded a layer. Rules report a repeated layer once,
  /// at its spec line, so the note names the first expanded node.
  static func repeatNote(_ node: GraphNode) -> [Diagnostic.Note] {
    guard let r = node.repeats.last else { return [] }
    return [.init("repeated \(r.count) times by this repeat; the first copy is layer %\(node.index)", at: r.range)]
  }
}
