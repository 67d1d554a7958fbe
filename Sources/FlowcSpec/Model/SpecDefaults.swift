import FlowcDiagnostics

/// The defaults of the spec's sections (nets, data, train, eval, limits) in one place,
/// so that check, run and diff agree and docs/spec.md has one table to mirror. Each
/// layer kind declares its own defaults beside its keys (`Kinds/`).
package enum SpecDefaults {
  package static let dtype = DType.float32
  package static let activation = Activation.relu
  package static let outputActivation = Activation.identity
  package static let netInit = NetInit.pytorch
  package static let netType = NetType.mlp
  package static let convChannels = 64
  package static let convKernels = [3, 1, 3]
  package static let resnetKernel = 3
  package static let resnetBlocks = 2
  package static let netNorm = NetNorm.none

  package static let noise = 0.05
  package static let circlesFactor = 0.5
  package static let fresh = true
  package static let levels = 256
  /// `data.context.encoding`.
  package static let contextEncoding = ContextSpec.Encoding.oneHot
  /// `data.context.embedding_width`.
  package static let embeddingWidth = 16

  package static let optimizer = TrainSpec.Optimizer.adam
  package static let learningRate = 1e-3
  package static let betas = [0.9, 0.999]
  package static let adamEpsilon = 1e-8
  package static let momentum = 0.0
  /// 0 for Adam and SGD; AdamW's PyTorch default is 0.01.
  package static func weightDecay(_ o: TrainSpec.Optimizer) -> Double { o == .adamw ? 0.01 : 0 }
  package static let batchSize = 128
  package static let seed = 0
  package static let schedule = TrainSpec.Schedule.constant
  package static let warmupSteps = 0
  package static let minLearningRate = 0.0

  package static let testSize = 10_000
  /// The test points use their own seed, so that changing the training seed never
  /// changes the test set.
  package static let evalSeed = 1_000_003
  package static let samples = 1_000
  package static let evalBatchSize = 1_000
  package static let temperature = 1.0

  /// 4 GiB: far above the specs in specs/, far below the machine.
  package static let memoryLimit = 4 << 30

  /// Structural bounds checked before anything is allocated, so that `dim: 1e12` or
  /// `repeat: 1000000000` is an error instead of an out-of-memory.
  package static let maxDimension = 1 << 24
  package static let maxLayers = 100_000
  /// The most classes (and the widest embedding) a context may have: a one-hot row
  /// of this width per sample is still small beside any image.
  package static let maxContextClasses = 65_536
  /// The largest `samples.npy` a run writes (eval.samples × dimension × 4 bytes): 1 GiB.
  /// `flowc sample` streams larger counts to a file of its own.
  package static let maxSampleFileBytes = 1 << 30
}
