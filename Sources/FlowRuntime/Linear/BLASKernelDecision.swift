/// One step of choosing the OpenBLAS kernel: a pure function of the environment, the
/// CPU's plan and the kernel OpenBLAS loaded with, so every path (the user's kernel, a
/// restart, a failed check, every kernel failing) is tested without the hardware.
///
/// OpenBLAS reads `OPENBLAS_CORETYPE` once, in a library constructor, before `main`
/// runs; so to switch kernels flowc sets the variable and executes itself again
/// (`BLASKernelChoice`), with `FLOWC_BLAS_KERNEL` (a `BLASKernelMarker`) saying that the
/// value is flowc's and which kernels were rejected before. Every restart either tries a
/// candidate not tried before or ends, so there are at most as many as candidates.
public enum BLASKernelDecision: Sendable, Equatable {
  /// Run with the active kernel, unchecked (no plan applies).
  case accept(BLASKernelSelection)
  /// Check the active kernel with `BLASKernelCheck`, then go on as the attempt says.
  case check(BLASKernelAttempt)
  /// Execute flowc again with `OPENBLAS_CORETYPE` = the marker's kernel.
  case restart(BLASKernelMarker)

  /// The first step.
  ///
  /// - Parameters:
  ///   - environmentValue: `OPENBLAS_CORETYPE` (nil or empty: unset).
  ///   - marker: `FLOWC_BLAS_KERNEL`, parsed (nil: unset or malformed).
  ///   - plan: the CPU's candidates (nil: not an x86 CPU).
  ///   - activeKernel: the kernel OpenBLAS loaded with, `openblas_get_corename()`.
  public static func first(environmentValue: String?, marker: BLASKernelMarker?, plan: BLASKernelPlan?,
                           activeKernel: String) -> BLASKernelDecision {
    let requested = environmentValue.flatMap { $0.isEmpty ? nil : $0 }
    // The marker speaks for OPENBLAS_CORETYPE only while the two agree: a value set by
    // hand over an inherited marker is the user's.
    let ours = marker.flatMap { m in requested.map { sameKernel(m.kernel, $0) } == true ? m : nil }
    if let requested, ours == nil {
      let substituted = sameKernel(activeKernel, requested) ? "" : " (OpenBLAS runs \(activeKernel) for it)"
      return .check(BLASKernelAttempt(kernel: activeKernel, source: .environment,
                                      origin: "OPENBLAS_CORETYPE=\(requested) set in the environment\(substituted)"))
    }
    if marker != nil, requested == nil {
      // flowc set OPENBLAS_CORETYPE, but it is gone: restarting would only loop.
      return .check(BLASKernelAttempt(kernel: activeKernel, source: .library,
                                      origin: "OpenBLAS's own choice (OPENBLAS_CORETYPE was removed after flowc set it)"))
    }
    guard let plan else {
      return .check(BLASKernelAttempt(kernel: activeKernel, source: .library, origin: "OpenBLAS's own choice (not an x86-64 CPU)"))
    }
    let rejected = ours?.rejected ?? []
    guard let wanted = plan.remaining(after: rejected).first else {
      // Every candidate, the generic kernel included, failed the check.
      return .accept(BLASKernelAttempt.everyKernelFailed(plan: plan, rejected: rejected, activeKernel: activeKernel))
    }
    // Asked for and OpenBLAS substituted another (an older library without that name):
    // check what it runs rather than asking again.
    if sameKernel(activeKernel, wanted) || ours.map({ sameKernel($0.kernel, wanted) }) == true {
      return .check(BLASKernelAttempt(kernel: activeKernel, source: .flowc, origin: "", plan: plan, wanted: wanted, rejected: rejected))
    }
    return .restart(BLASKernelMarker(kernel: wanted, rejected: rejected))
  }

  /// OpenBLAS compares kernel names without case (`haswell` is `Haswell`).
  public static func sameKernel(_ a: String, _ b: String) -> Bool { a.lowercased() == b.lowercased() }
}

/// A kernel to check, with what follows if the check passes and if it fails.
public struct BLASKernelAttempt: Sendable, Equatable {
  /// The active kernel being checked.
  public var kernel: String
  /// Who chose it.
  public var source: BLASKernelSelection.Source
  /// Where an environment or library kernel came from (empty for flowc's choice).
  public var origin: String
  /// The CPU's plan, for flowc's choice.
  public var plan: BLASKernelPlan?
  /// The candidate flowc asked for (`kernel` unless OpenBLAS substituted).
  public var wanted: String?
  /// Candidates that failed before this one.
  public var rejected: [BLASKernelMarker.Rejection]

  /// An attempt; `BLASKernelDecision.first` makes the real ones.
  public init(kernel: String, source: BLASKernelSelection.Source, origin: String, plan: BLASKernelPlan? = nil,
              wanted: String? = nil, rejected: [BLASKernelMarker.Rejection] = []) {
    (self.kernel, self.source, self.origin, self.plan, self.wanted, self.rejected) = (kernel, source, origin, plan, wanted, rejected)
  }

  /// What is recorded when the kernel passes the check.
  public var passed: BLASKernelSelection {
    var warning: String?
    if !rejected.isEmpty {
      warning = "OpenBLAS kernel " + rejected.map { "\($0.kernel) failed flowc's product check (\($0.why))" }.joined(separator: "; ")
        + "; running \(kernel)"
    }
    return BLASKernelSelection(kernel: kernel, source: source, reason: describe() + "; product check passed", warning: warning)
  }

  /// What follows when the kernel fails the check (`why` says how): for flowc's choice
  /// a restart with the next candidate (or, with none left, the generic kernel anyway);
  /// for the user's kernel, running it as asked, with a warning.
  public func failed(_ why: String) -> BLASKernelDecision {
    guard let plan, let wanted else {
      let hint = source == .environment ? "; unset OPENBLAS_CORETYPE to let flowc choose" : ""
      return .accept(BLASKernelSelection(
        kernel: kernel, source: source, reason: describe() + "; FAILED the product check (\(why))",
        warning: "the OpenBLAS kernel \(kernel) (\(origin)) failed flowc's product check: \(why); results may be wrong\(hint)"))
    }
    let now = rejected + [BLASKernelMarker.Rejection(kernel: wanted, why: why)]
    guard let next = plan.remaining(after: now).first else {
      return .accept(Self.everyKernelFailed(plan: plan, rejected: now, activeKernel: kernel))
    }
    return .restart(BLASKernelMarker(kernel: next, rejected: now))
  }

  /// The reason without the check's result.
  func describe() -> String {
    guard let plan, let wanted else { return origin }
    var text = "chosen by flowc from \(plan.reason)"
    for r in rejected { text += "; \(r.kernel) failed the product check (\(r.why))" }
    if !BLASKernelDecision.sameKernel(kernel, wanted) { text += "; OpenBLAS runs \(kernel) for \(wanted)" }
    return text
  }

  /// Every candidate failed: run the active (generic) kernel anyway, and say so.
  static func everyKernelFailed(plan: BLASKernelPlan, rejected: [BLASKernelMarker.Rejection],
                                activeKernel: String) -> BLASKernelSelection {
    let list = rejected.map { "\($0.kernel): \($0.why)" }.joined(separator: "; ")
    return BLASKernelSelection(
      kernel: activeKernel, source: .flowc,
      reason: "chosen by flowc from \(plan.reason); every kernel failed the product check (\(list)); running \(activeKernel) anyway",
      warning: "every OpenBLAS kernel failed flowc's product check (\(list)); running \(activeKernel), results may be wrong")
  }
}

/// The candidates left to try.
extension BLASKernelPlan {
  /// The candidates not yet rejected, in order.
  func remaining(after rejected: [BLASKernelMarker.Rejection]) -> [String] {
    candidates.filter { c in !rejected.contains { BLASKernelDecision.sameKernel($0.kernel, c) } }
  }
}

/// `FLOWC_BLAS_KERNEL`: the kernel flowc put in `OPENBLAS_CORETYPE` before executing
/// itself again, and the kernels that failed before it, e.g.
/// `Haswell;SkylakeX=crashed with SIGILL`.
public struct BLASKernelMarker: Sendable, Equatable {
  /// A kernel that failed the check, and how.
  public struct Rejection: Sendable, Equatable {
    /// The kernel's name.
    public var kernel: String
    /// How it failed, e.g. `crashed with SIGILL`.
    public var why: String

    /// A rejection.
    public init(kernel: String, why: String) {
      self.kernel = kernel
      self.why = why
    }
  }

  /// The kernel flowc set.
  public var kernel: String
  /// The kernels rejected before it, in order.
  public var rejected: [Rejection]

  /// A marker.
  public init(kernel: String, rejected: [Rejection] = []) {
    self.kernel = kernel
    self.rejected = rejected
  }

  /// Parses `text`; nil when it is empty or has no kernel.
  public init?(_ text: String) {
    let fields = text.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
    guard let first = fields.first, !first.isEmpty, !first.contains("=") else { return nil }
    kernel = first
    rejected = fields.dropFirst().compactMap { field in
      guard let eq = field.firstIndex(of: "="), eq != field.startIndex else { return nil }
      return Rejection(kernel: String(field[..<eq]), why: String(field[field.index(after: eq)...]))
    }
  }

  /// The variable's value (`;` in a reason becomes `,` so it stays one field).
  public var text: String {
    ([kernel] + rejected.map { "\($0.kernel)=\($0.why.replacingSemicolons)" }).joined(separator: ";")
  }
}

/// Keeping a reason inside one field of `BLASKernelMarker.text`.
extension String {
  /// The string with `;` replaced by `,`.
  fileprivate var replacingSemicolons: String { String(map { $0 == ";" ? "," : $0 }) }
}
