import FlowcSpec

/// Every default of spec language 1 in one place, so that check, run and diff agree
/// and docs/spec.md has one table to mirror.
public enum SpecDefaults {
  public static let dtype = DType.float32
  public static let activation = Activation.relu
  public static let outputActivation = Activation.identity
  public static let netInit = NetInit.pytorch
  public static let netIO = NetIO.masked
  public static let scaleFunction = ScaleFunction.exp
  public static let diagonalScalingInit = 0.0
  public static let batchNormMomentum = 0.1
  public static let batchNormEpsilon = 1e-5
  public static let linearParametrization = InvertibleLinearSpec.Parametrization.lu
  public static let linearInit = InvertibleLinearSpec.Init.orthogonal
  public static let permutationSeed = 0
  public static let linearSeed = 0

  public static let noise = 0.05
  public static let circlesFactor = 0.5
  public static let fresh = true
  public static let levels = 256

  public static let optimizer = TrainSpec.Optimizer.adam
  public static let learningRate = 1e-3
  public static let betas = [0.9, 0.999]
  public static let adamEpsilon = 1e-8
  public static let momentum = 0.0
  /// 0 for Adam and SGD; AdamW's PyTorch default is 0.01.
  public static func weightDecay(_ o: TrainSpec.Optimizer) -> Double { o == .adamw ? 0.01 : 0 }
  public static let batchSize = 128
  public static let seed = 0
  public static let schedule = TrainSpec.Schedule.constant
  public static let warmupSteps = 0
  public static let minLearningRate = 0.0

  public static let testSize = 10_000
  /// The test points use their own seed, so that changing the training seed never
  /// changes the test set.
  public static let evalSeed = 1_000_003
  public static let samples = 1_000
  public static let evalBatchSize = 1_000
  public static let temperature = 1.0

  /// 4 GiB: far above the specs in specs/, far below the machine.
  public static let memoryLimit = 4 << 30

  /// Structural bounds checked before anything is allocated, so that `dim: 1e12` or
  /// `repeat: 1000000000` is an error instead of an out-of-memory.
  public static let maxDimension = 1 << 24
  public static let maxLayers = 100_000
}
