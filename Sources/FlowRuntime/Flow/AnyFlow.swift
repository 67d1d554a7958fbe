import FlowRandom

/// A flow in either precision, behind one interface that takes and returns rows as
/// `[Float]` (the data's own type) and log-densities as `[Double]`. Everything outside
/// the training loop (evaluation, sampling, encoding, figures) goes through this type, so
/// that Float32 and Float64 flows share one code path.
public enum AnyFlow {
  /// A single-precision flow.
  case float32(Flow<Float>)
  /// A double-precision flow.
  case float64(Flow<Double>)

  /// Wraps a flow of either scalar type.
  public init<T: FlowScalar>(_ flow: Flow<T>) {
    if let f = flow as? Flow<Float> {
      self = .float32(f)
    } else if let f = flow as? Flow<Double> {
      self = .float64(f)
    } else {
      preconditionFailure("flows are Float or Double")
    }
  }

  /// Number of features D.
  public var dimension: Int {
    switch self {
    case .float32(let f): return f.dimension
    case .float64(let f): return f.dimension
    }
  }

  /// Number of trainable scalars.
  public var parameterCount: Int {
    switch self {
    case .float32(let f): return f.parameterCount
    case .float64(let f): return f.parameterCount
    }
  }

  /// Training mode (batch statistics, ActNorm initialisation) or evaluation mode.
  public var isTraining: Bool {
    get {
      switch self {
      case .float32(let f): return f.isTraining
      case .float64(let f): return f.isTraining
      }
    }
    nonmutating set {
      switch self {
      case .float32(let f): f.isTraining = newValue
      case .float64(let f): f.isTraining = newValue
      }
    }
  }

  /// Whether the flow reads a context (class labels or real values).
  public var isConditional: Bool {
    switch self {
    case .float32(let f): return f.isConditional
    case .float64(let f): return f.isConditional
    }
  }

  /// The context encoding of a conditional flow.
  public var contextEncoding: ContextEncoding? {
    switch self {
    case .float32(let f): return f.context?.encoding
    case .float64(let f): return f.context?.encoding
    }
  }

  /// Sets the context (one class label per row) of the following passes; every method
  /// taking `context:` sets it first.
  public func setContext(_ labels: [Int]) { setContext(.labels(labels)) }

  /// Sets the context of the following passes from raw rows (labels or real values).
  public func setContext(_ rows: ContextRows) {
    switch self {
    case .float32(let f): f.setContext(rows)
    case .float64(let f): f.setContext(rows)
    }
  }

  /// A snapshot of every parameter and buffer.
  public func namedTensors() -> [NamedTensor] {
    switch self {
    case .float32(let f): return f.namedTensors()
    case .float64(let f): return f.namedTensors()
    }
  }

  /// Restores parameters and buffers (see `Flow.load`).
  public func load(_ tensors: some TensorSource, strict: Bool = true) throws {
    switch self {
    case .float32(let f): try f.load(tensors, strict: strict)
    case .float64(let f): try f.load(tensors, strict: strict)
    }
  }

  /// log p(x) of `rows` rows of row-major `values` in the flow's input space.
  public func logProb(_ values: [Float], rows: Int, context: ContextRows? = nil) -> [Double] {
    if let context { setContext(context) }
    switch self {
    case .float32(let f): return f.logProb(Matrix(rows: rows, cols: f.dimension, storage: values)).map(Double.init)
    case .float64(let f): return f.logProb(Matrix(rows: rows, cols: f.dimension, storage: values.map(Double.init)))
    }
  }

  /// z = f(x) of `rows` rows.
  public func forward(_ values: [Float], rows: Int, context: ContextRows? = nil) -> [Float] {
    if let context { setContext(context) }
    switch self {
    case .float32(let f): return f.forward(Matrix(rows: rows, cols: f.dimension, storage: values)).z.storage
    case .float64(let f):
      return f.forward(Matrix(rows: rows, cols: f.dimension, storage: values.map(Double.init))).z.storage.map(Float.init)
    }
  }

  /// x = f⁻¹(z) of `rows` rows of latents.
  public func inverse(_ values: [Float], rows: Int, context: ContextRows? = nil) -> [Float] {
    if let context { setContext(context) }
    switch self {
    case .float32(let f): return f.inverse(Matrix(rows: rows, cols: f.dimension, storage: values)).x.storage
    case .float64(let f):
      return f.inverse(Matrix(rows: rows, cols: f.dimension, storage: values.map(Double.init))).x.storage.map(Float.init)
    }
  }

  /// max |f⁻¹(f(x)) − x| over `rows` rows, computed in the flow's own precision;
  /// infinity if any value is NaN.
  public func roundTripError(_ values: [Float], rows: Int, context: ContextRows? = nil) -> Double {
    roundTripErrors(values, rows: rows, context: context).max() ?? 0
  }

  /// Each row's max |f⁻¹(f(x)) − x|, computed in the flow's own precision; infinity for
  /// a row with a NaN.
  public func roundTripErrors(_ values: [Float], rows: Int, context: ContextRows? = nil) -> [Double] {
    if let context { setContext(context) }
    func errors<T: FlowScalar>(_ f: Flow<T>, _ x: Matrix<T>) -> [Double] {
      let back = f.inverse(f.forward(x).z).x
      let d = f.dimension
      return (0..<rows).map { r in
        var worst = 0.0
        for i in (r * d)..<((r + 1) * d) {
          let e = abs(Double(back.storage[i]) - Double(x.storage[i]))
          if e.isNaN { return .infinity }
          worst = max(worst, e)
        }
        return worst
      }
    }
    switch self {
    case .float32(let f): return errors(f, Matrix(rows: rows, cols: f.dimension, storage: values))
    case .float64(let f): return errors(f, Matrix(rows: rows, cols: f.dimension, storage: values.map(Double.init)))
    }
  }

  /// `count` draws z from the prior at `temperature`, row-major.
  public func priorSample(count: Int, temperature: Double, rng: inout Xoshiro256, context: ContextRows? = nil) -> [Float] {
    if let context { setContext(context) }
    switch self {
    case .float32(let f): return f.prior.sample(count: count, temperature: temperature, rng: &rng).storage
    case .float64(let f): return f.prior.sample(count: count, temperature: temperature, rng: &rng).storage.map(Float.init)
    }
  }

  /// `count` samples in the flow's input space: prior draws at `temperature` mapped
  /// through the inverse.
  public func sample(count: Int, temperature: Double, rng: inout Xoshiro256, context: ContextRows? = nil) -> [Float] {
    if let context { setContext(context) }
    switch self {
    case .float32(let f): return f.sample(count: count, temperature: temperature, rng: &rng).storage
    case .float64(let f): return f.sample(count: count, temperature: temperature, rng: &rng).storage.map(Float.init)
    }
  }
}

/// Builds the flow `description` describes, in the precision of its `dtype`.
public func buildFlow(_ description: FlowDescription) -> AnyFlow {
  switch description.dtype {
  case .float32: return .float32(buildFlow(description, as: Float.self))
  case .float64: return .float64(buildFlow(description, as: Double.self))
  }
}
