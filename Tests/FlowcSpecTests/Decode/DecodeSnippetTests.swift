import FlowcDiagnostics
import Testing

@testable import FlowcSpec

/// Short inline specs decoded; fields and their exact line:column ranges checked.
@Suite struct DecodeSnippetTests {
  @Test func rootFieldsAndRanges() throws {
    let spec = try #require(decodeClean("""
      version: 1
      name: moons
      dim: 2
      shape: [28, 28]
      dtype: float64
      prior: standard_normal
      flow:
        - kind: actnorm
      data: {source: moons}
      train: {lr: 0.001}
      """))
    #expect(spec.version?.value == 1)
    #expect(span(spec.version?.range) == "1:10-1:11")
    #expect(spec.name?.value == "moons")
    #expect(span(spec.name?.range) == "2:7-2:12")
    #expect(spec.dimension?.value == 2)
    #expect(spec.shape?.value.map(\.value) == [28, 28])
    #expect(span(spec.shape?.range) == "4:8-4:16")
    #expect(at(spec.shape?.value[1].range) == "4:13")
    #expect(spec.dtype?.value == .float64)
    #expect(spec.prior?.kind.value == .standardNormal)
    #expect(at(spec.prior?.kind.range) == "6:8")
    #expect(spec.flow?.value.count == 1)
    #expect(at(spec.flow?.value.first?.range) == "8:5")
    #expect(spec.data?.source?.value == .moons)
    #expect(spec.train?.learningRate?.value == 0.001)
    #expect(spec.eval == nil)
    #expect(spec.limits == nil)
    #expect(spec.templates.isEmpty)
  }

  @Test func defaultsAreNotFilledIn() throws {
    let spec = try #require(decodeClean("""
      dim: 2
      prior: {kind: logistic}
      flow: [{kind: affine_coupling, keep: even}]
      data: {source: moons}
      train: {}
      """))
    #expect(spec.prior?.kind.value == .logistic)
    let c = try #require(coupling(spec.flow?.value.first))
    #expect(c.scale == nil && c.shift == nil && c.net == nil && c.netIO == nil && c.scaleClamp == nil)
    #expect(spec.train?.optimizer == nil)
    #expect(spec.train?.steps == nil)
    #expect(spec.dtype == nil)
  }

  @Test func templatesAndNets() throws {
    let spec = try #require(decodeClean("""
      templates:
        mlp:
          hidden: [64, -1]
          activation: {leaky_relu: 0.2}
          output_activation: none
          init: zero_last
        small: {activation: elu}
      flow:
        - kind: affine_coupling
          keep: [1, 0, 2]
          scale: mlp
          shift: {use: mlp, hidden: [8], activation: leaky_relu}
          net_io: split
          scale_function: sigmoid
          scale_clamp: 2
      """))
    #expect(spec.templates.map(\.name.value) == ["mlp", "small"])
    #expect(at(spec.templates[0].name.range) == "2:3")
    let mlp = spec.templates[0].net
    #expect(mlp.hidden?.value.map(\.value) == [64, -1])  // a negative width is the validator's business
    #expect(at(mlp.hidden?.value[1].range) == "3:18")
    #expect(mlp.activation?.value == .leakyReLU(slope: 0.2))
    #expect(mlp.outputActivation?.value == .identity)
    #expect(mlp.initialization?.value == .zeroLast)
    #expect(spec.templates[1].net.activation?.value == .elu(alpha: 1.0))

    let c = try #require(coupling(spec.flow?.value.first))
    guard case .explicit(let entries)? = c.keep?.value else {
      Issue.record("expected an explicit mask")
      return
    }
    #expect(entries.map(\.value) == [1, 0, 2])  // a 2 is the validator's business
    #expect(at(entries[2].range) == "10:18")
    guard case .template(let name)? = c.scale, case .inline(let shift)? = c.shift else {
      Issue.record("expected a template scale and an inline shift")
      return
    }
    #expect(name.value == "mlp")
    #expect(at(name.range) == "11:12")
    #expect(shift.base?.value == "mlp")
    #expect(shift.activation?.value == .leakyReLU(slope: 0.01))
    #expect(at(shift.range) == "12:12")
    #expect(c.netIO?.value == .split)
    #expect(c.scaleFunction?.value == .sigmoid)
    #expect(c.scaleClamp?.value == 2)
  }

  @Test func repeatsNest() throws {
    let spec = try #require(decodeClean("""
      flow:
        - repeat: 3
          layers:
            - kind: additive_coupling
              keep: first_half
              net: mlp
            - repeat: 2
              layers: [{kind: permutation, order: reverse}]
        - kind: diagonal_scaling
          init: -0.5
      """))
    let items = try #require(spec.flow?.value)
    #expect(items.count == 2)
    guard case .repeat(let outer) = items[0], case .repeat(let inner) = outer.layers[1] else {
      Issue.record("expected nested repeats")
      return
    }
    #expect(outer.count.value == 3)
    #expect(at(outer.count.range) == "2:13")
    #expect(inner.count.value == 2)
    #expect(layer(inner.layers.first)?.kind.value == "permutation")
    #expect(at(layer(inner.layers.first)?.kind.range) == "8:25")
    guard let d = layer(items[1])?.options as? DiagonalScalingSpec else {
      Issue.record("expected diagonal scaling")
      return
    }
    #expect(d.initialLogScale?.value == -0.5)
  }

  @Test func otherLayerKinds() throws {
    let spec = try #require(decodeClean("""
      flow:
        - {kind: permutation, order: random, seed: 7}
        - {kind: permutation, order: [1, 0]}
        - {kind: actnorm, name: an}
        - {kind: batch_norm, momentum: 0.1, epsilon: 1e-5}
        - {kind: invertible_linear, parametrization: lu, features: 4, init: orthogonal, seed: 3}
        - {kind: elementwise, function: {leaky_relu: 0.2}}
        - {kind: elementwise, function: logit}
      """))
    let items = try #require(spec.flow?.value)
    guard let p0 = layer(items[0])?.options as? PermutationSpec, case .random(let seed)? = p0.order?.value else {
      Issue.record("expected a random permutation")
      return
    }
    #expect(seed?.value == 7)
    #expect(at(seed?.range) == "2:46")
    guard let p1 = layer(items[1])?.options as? PermutationSpec, case .explicit(let order)? = p1.order?.value else {
      Issue.record("expected an explicit permutation")
      return
    }
    #expect(order.map(\.value) == [1, 0])
    #expect(layer(items[2])?.name?.value == "an")
    guard let bn = layer(items[3])?.options as? BatchNormSpec,
          let il = layer(items[4])?.options as? InvertibleLinearSpec,
          let e1 = layer(items[5])?.options as? ElementwiseSpec,
          let e2 = layer(items[6])?.options as? ElementwiseSpec else {
      Issue.record("wrong options")
      return
    }
    #expect(bn.momentum?.value == 0.1 && bn.epsilon?.value == 1e-5)
    #expect(il.parametrization?.value == .lu && il.features?.value == 4)
    #expect(il.initialization?.value == .orthogonal && il.seed?.value == 3)
    #expect(e1.function?.value == .leakyReLU(slope: 0.2))
    #expect(e2.function?.value == .logit)
  }

  @Test func dataTrainEvalLimits() throws {
    let spec = try #require(decodeClean("""
      data:
        source: csv
        noise: 0.05
        factor: .5
        fresh: false
        train_size: 1000
        validation_size: 100
        path: "x.csv"
        test_path: y.csv
        seed: 1
        labels: x-labels.idx
        test_labels: y-labels.idx
        classes: [0, 2]
        preprocess: {dequantize: true, levels: 256, logit_alpha: 0.05}
      train:
        optimizer: adamw
        lr: 1e-4
        betas: [0.9, .999]
        eps: 1e-8
        momentum: 0
        weight_decay: 0.01
        batch_size: 128
        steps: 1000
        epochs: 3
        seed: 42
        schedule: cosine
        warmup_steps: 200
        min_lr: 0
        clip_grad_norm: 1.0
        eval_every: 100
        checkpoint_every: 500
      eval: {test_size: 10, seed: 2, samples: 3, batch_size: 4, temperature: 0.7}
      limits: {memory: 4 GiB}
      """))
    let data = try #require(spec.data)
    #expect(data.source?.value == .csv)
    #expect(data.factor?.value == 0.5)
    #expect(data.fresh?.value == false)
    #expect(data.path?.value == "x.csv")
    #expect(span(data.path?.range) == "8:9-8:16")
    #expect(data.preprocess?.levels?.value == 256)
    #expect(data.labels?.value == "x-labels.idx" && data.testLabels?.value == "y-labels.idx")
    #expect(data.classes?.value.map(\.value) == [0, 2])
    #expect(data.preprocess?.dequantize?.value == true)
    let train = try #require(spec.train)
    #expect(train.optimizer?.value == .adamw)
    #expect(train.learningRate?.value == 1e-4)
    #expect(train.betas?.value.map(\.value) == [0.9, 0.999])
    #expect(train.momentum?.value == 0)
    #expect(train.schedule?.value == .cosine)
    #expect(train.checkpointEvery?.value == 500)
    #expect(spec.eval?.temperature?.value == 0.7)
    #expect(spec.limits?.memory?.value == 4 << 30)
    #expect(at(spec.limits?.memory?.range) == "33:18")
  }

  @Test(arguments: [
    ("4096", 4096), ("4 GiB", 4 << 30), ("512MiB", 512 << 20), ("1.5 GB", 1_500_000_000),
    ("100 kB", 100_000), ("'2 TiB'", 2 << 40), ("1.5 KiB", 1536), ("10 B", 10), (".5 MB", 500_000),
    ("8191 PiB", -1), ("7.99 TB", 7_990_000_000_000),
  ])
  func memoryAmounts(text: String, bytes: Int) {
    let d = decode("limits: {memory: \(text)}")
    if bytes < 0 {
      #expect(d.problems.map(\.id) == ["memory-unit"])
    } else {
      #expect(d.problems.isEmpty, "\(d.problems)")
      #expect(d.spec?.limits?.memory?.value == bytes)
    }
  }

  @Test func memoryOverflowIsReportedNotTrapped() {
    #expect(decode("limits: {memory: 9999999999 TiB}").problems.map(\.id) == ["memory-too-large"])
    #expect(decode("limits: {memory: 99999999999999999999999 B}").problems.map(\.id) == ["memory-too-large"])
    #expect(decode("limits: {memory: 8388608 TiB}").problems.map(\.id) == ["memory-too-large"])
    #expect(decode("limits: {memory: 99999999999999999999}").problems.map(\.id) == ["integer-too-large"])
    for unit in ["G", "gb", "Gi", "gib"] {
      #expect(decode("limits: {memory: 4 \(unit)}").problems.first?.suggestion == "did you mean 'GB' (decimal) or 'GiB' (binary)?")
    }
    #expect(decode("limits: {memory: 4 MiBs}").problems.first?.suggestion == "did you mean 'MiB'?")
  }

  /// `context.columns` decodes as a list of names, each with its range; with it
  /// `num_classes` is not required, without it, it still is.
  @Test func aColumnContextNeedsNoClasses() throws {
    let spec = try #require(decodeClean("""
      data:
        source: csv
        path: x.csv
        context: {columns: [temperature, "pressure"], encoding: identity}
      """))
    let context = try #require(spec.data?.context)
    #expect(context.columns?.value.map(\.value) == ["temperature", "pressure"])
    #expect(at(context.columns?.value[1].range) == "4:36")
    #expect(context.encoding?.value == .identity)
    #expect(context.numClasses == nil)
    #expect(decode("data: {source: csv, context: {encoding: one_hot}}").problems.map(\.id) == ["missing-key"])
    #expect(decode("data: {source: csv, context: {columns: [1.5]}}").problems.map(\.id) == ["type-mismatch"])
    #expect(decode("data: {source: csv, context: {columns: temperature}}").problems.map(\.id) == ["type-mismatch"])
  }

  @Test func doublesAcceptIntegersAndSpecialValues() throws {
    let spec = try #require(decodeClean("""
      train: {lr: -3, min_lr: .inf, momentum: .nan, eps: 0.0001, weight_decay: -.inf, clip_grad_norm: 5.}
      """))
    #expect(spec.train?.learningRate?.value == -3)
    #expect(spec.train?.minLearningRate?.value == .infinity)
    #expect(spec.train?.momentum?.value.isNaN == true)
    #expect(spec.train?.epsilon?.value == 0.0001)
    #expect(spec.train?.weightDecay?.value == -.infinity)
    #expect(spec.train?.clipGradNorm?.value == 5)
  }

  @Test func quotedNumbersAreStrings() {
    let d = decode("train: {batch_size: \"1\"}")
    #expect(d.problems.map(\.id) == ["type-mismatch"])
    #expect(d.problems.first?.message == "'batch_size' expects an integer, found the string '1'")
    #expect(d.problems.first?.suggestion == "remove the quotes: a quoted value is always a string")
    #expect(at(d.problems.first?.range) == "1:21")
  }

  @Test func typeMismatchNamesWhatWasFound() {
    let d = decode("train:\n  batch_size: [1, 2]\n")
    #expect(d.problems.first?.message == "'batch_size' expects an integer, found a list")
    #expect(span(d.problems.first?.range) == "2:15-2:21")
  }

  @Test func strictBooleans() {
    for word in ["yes", "no", "on", "off", "True", "NO", "y"] {
      let d = decode("data: {source: moons, fresh: \(word)}")
      #expect(d.problems.map(\.id) == ["boolean-spelling"], "\(word)")
    }
    let d = decode("data: {source: moons, fresh: no}")
    #expect(d.problems.first?.suggestion?.hasPrefix("write false") == true)
    #expect(decode("name: yes").problems.isEmpty)  // where a string is expected, 'yes' is a string
  }

  @Test func underscoredNumbers() {
    let d = decode("train: {steps: 1_000, lr: 1_0.5}")
    #expect(d.problems.map(\.id) == ["number-underscore", "number-underscore"])
    #expect(d.problems.first?.suggestion == "write 1000")
  }

  @Test func nullValues() {
    let d = decode("train:\n  lr:\n  steps: ~\n")
    #expect(d.problems.map(\.message) == ["missing value for 'lr'", "missing value for 'steps'"])
    #expect(at(d.problems.first?.range) == "2:3")
  }

  @Test func stringsRejectNumbers() {
    let d = decode("name: 1.0")
    #expect(d.problems.first?.message == "'name' expects a string, found the number 1.0")
  }

  @Test func plainInfIsAString() {
    let d = decode("train: {lr: inf}")
    #expect(d.problems.first?.message == "'lr' expects a number, found the string 'inf'")
  }

  @Test func unknownKeySuggestsAmongThatMappingsKeys() {
    let d = decode("""
      templates:
        m: {hiden: [4]}
      flow:
        - kind: additive_coupling
          keep: odd
          scale: m
      """)
    #expect(d.problems.map(\.message) == ["unknown key 'hiden' in a net", "unknown key 'scale' in an additive_coupling layer"])
    #expect(d.problems[0].suggestion == "did you mean 'hidden'?")
    #expect(d.problems[1].notes.first?.message == "'scale' belongs to affine_coupling layers; this layer is additive_coupling")
    #expect(at(d.problems[1].notes.first?.range) == "4:11")
  }

  @Test func locationsAreExactDeepInsideRepeatsAndLists() {
    let d = decode("""
      flow:
        - repeat: 2
          layers:
            - repeat: 3
              layers:
                - kind: invertible_linear
                  parametrisation: lu
                - kind: affine_coupling
                  keep: [1, 0,
                         "1", 0]
      """)
    #expect(d.problems.map { "\($0.id)@\(span($0.range))" } == [
      "unknown-key@7:13-7:28", "type-mismatch@10:20-10:23",
    ])
    #expect(d.problems.first?.suggestion == "did you mean 'parametrization'?")
    #expect(d.problems.last?.message == "an entry of 'keep' expects an integer, found the string '1'")
  }

  @Test func useIsOnlyForInlineNets() {
    let d = decode("templates:\n  a: {use: b}\n")
    #expect(d.problems.map(\.id) == ["unknown-key"])
    #expect(d.problems.first?.notes.count == 1)
  }

  @Test func everyErrorInOnePass() {
    let d = decode("""
      dim: two
      prior: gaussian
      flow:
        - kind: affine_coupling
          keep: halves
        - kind: actnorm
          scale: x
      data: {source: moon}
      train: {lr: fast, steps: "3"}
      """)
    #expect(d.ids == ["type-mismatch", "unknown-value", "unknown-value", "unknown-key", "unknown-value",
                      "type-mismatch", "type-mismatch"])
  }

  @Test func missingSectionsAtRootStart() {
    let d = decode("# a comment\nname: x\n")
    #expect(d.ids == Array(repeating: "missing-section", count: 5))
    #expect(d.diagnostics.allSatisfy { at($0.range) == "2:1" })
  }

  @Test func layerKeyTableMatchesTheDecoder() {
    // Every key a kind lists is read by the decoder for that kind (in debug builds the
    // reader also stops on a key read but not listed, or listed but never read).
    for kind in LayerKinds.all {
      let yaml = "flow:\n  - kind: \(kind.kind)\n" + kind.keys.map { "    \($0.name): ~\n" }.joined()
      let d = decode(yaml)
      #expect(!d.ids.contains("unknown-key"), "\(kind): \(d.diagnostics)")
    }
  }
}
