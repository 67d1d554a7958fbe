#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif

/// Puts the process on the best OpenBLAS kernel for its CPU, checked, before any BLAS
/// work: flowc's entry point calls `establish()` first thing in `main`.
///
/// OpenBLAS (built with DYNAMIC_ARCH, as Debian's is) picks its kernel in a library
/// constructor that runs when the executable loads, from `OPENBLAS_CORETYPE` or else
/// its own cpuid table; by the time `main` runs the choice is made. So when the kernel
/// OpenBLAS loaded with is not the one `BLASKernelPlan` wants, `establish()` sets
/// `OPENBLAS_CORETYPE` (and `FLOWC_BLAS_KERNEL`, so the next process knows the value is
/// flowc's) and executes `/proc/self/exe` again with the same arguments: same process
/// id, nothing printed or read yet. That costs one start of flowc (about 20 ms); where
/// OpenBLAS already runs the wanted kernel (AMD Zen 3, where it picks `Zen`) there is no
/// restart. Either way the kernel then runs `BLASKernelCheck` once; a kernel that gives
/// wrong products, or crashes on them (an illegal instruction), makes flowc restart
/// with the next candidate (`BLASKernelDecision`). A value the user sets is respected:
/// it is checked and a failure is reported, but it is not replaced.
public enum BLASKernelChoice {
  /// The variable OpenBLAS reads its kernel from.
  public static let kernelVariable = "OPENBLAS_CORETYPE"
  /// The variable that marks `OPENBLAS_CORETYPE` as set by flowc (`BLASKernelMarker`).
  public static let markerVariable = "FLOWC_BLAS_KERNEL"
  /// The variable that replaces the CPU's candidates (`BLASKernelPlan.fromList`).
  public static let candidatesVariable = "FLOWC_BLAS_CANDIDATES"

  /// Set once by `establish()` or `skip(_:)`, at the start of `main` before any other
  /// thread exists, and only read afterwards.
  nonisolated(unsafe) private static var established: BLASKernelSelection?

  /// The kernel this process runs and why. In a process that did not call `establish()`
  /// (the test runners, which run on what `.ci/test` exports) it describes OpenBLAS's
  /// state, checked once.
  public static var selection: BLASKernelSelection { established ?? unestablished }

  /// The kernels flowc tries on this machine: `FLOWC_BLAS_CANDIDATES` if set, else the
  /// CPU's plan; nil on a CPU that is not x86.
  public static var plan: BLASKernelPlan? {
    environment(candidatesVariable).flatMap(BLASKernelPlan.fromList) ?? CPUFeatures.current.map(BLASKernelPlan.forCPU)
  }

  /// Chooses, restarts if needed, checks; returns only once the process runs the
  /// kernel it will keep. Prints the selection's warning, if any, on standard error.
  public static func establish() {
    let decision = BLASKernelDecision.first(environmentValue: environment(kernelVariable),
                                            marker: environment(markerVariable).flatMap(BLASKernelMarker.init),
                                            plan: plan, activeKernel: BLASConfiguration.coreName)
    let chosen = settle(decision)
    established = chosen
    if let warning = chosen.warning {
      let line = "warning: \(warning)\n"
      _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    }
  }

  /// Records OpenBLAS's own kernel, unchecked, for a command that does no BLAS work
  /// (`why` says which), so it does not pay for a restart.
  public static func skip(_ why: String) {
    established = BLASKernelSelection(kernel: BLASConfiguration.coreName, source: .library,
                                      reason: "OpenBLAS's own choice, not checked: \(why)")
  }

  /// Follows `decision` to the selection the process keeps.
  private static func settle(_ decision: BLASKernelDecision) -> BLASKernelSelection {
    switch decision {
    case .accept(let selection):
      return selection
    case .restart(let marker):
      let error = restart(with: marker)
      // Only reached when the exec failed: keep what OpenBLAS runs, checked.
      let attempt = BLASKernelAttempt(kernel: BLASConfiguration.coreName, source: .library,
                                      origin: "OpenBLAS's own choice (flowc could not restart itself with \(marker.kernel): \(error))")
      return settle(.check(attempt))
    case .check(let attempt):
      let failure = CrashFallback.guarding(attempt) { BLASKernelCheck.run() }
      guard let failure else { return attempt.passed }
      return settle(attempt.failed(failure.description))
    }
  }

  /// Executes this program again with the marker's kernel; returns the error only if
  /// the exec failed.
  private static func restart(with marker: BLASKernelMarker) -> String {
    #if os(Linux)
      let env = Exec.environment(kernel: marker.kernel, marker: marker.text)
      execve(Exec.selfPath, CommandLine.unsafeArgv, env)
      let error = String(cString: strerror(errno))
      Exec.release(env)
      return error
    #else
      return "/proc/self/exe is Linux's"
    #endif
  }

  /// A variable of the process environment.
  private static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

  /// The selection of a process that never called `establish()`.
  private static let unestablished: BLASKernelSelection = {
    let requested = environment(kernelVariable).flatMap { $0.isEmpty ? nil : $0 }
    let attempt = BLASKernelAttempt(
      kernel: BLASConfiguration.coreName, source: requested == nil ? .library : .environment,
      origin: requested.map { "\(kernelVariable)=\($0) set in the environment" }
        ?? "OpenBLAS's own choice (this program does not choose a kernel)")
    guard let failure = BLASKernelCheck.run() else { return attempt.passed }
    if case .accept(let selection) = attempt.failed(failure.description) { return selection }
    return attempt.passed
  }()
}

#if os(Linux)

// MARK: - Executing flowc again

/// The pieces of an `execve` of this program with another kernel, built before they are
/// needed because the crash handler may not allocate.
enum Exec {
  /// This program, as Linux names it; it stays valid even if the file was replaced.
  static let selfPath = "/proc/self/exe"

  /// The current environment with `OPENBLAS_CORETYPE` and `FLOWC_BLAS_KERNEL` replaced:
  /// a NULL-terminated array of malloc'ed C strings, for `execve` (`release` frees one
  /// that was not used).
  static func environment(kernel: String, marker: String) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
    var entries: [UnsafeMutablePointer<CChar>?] = []
    let replaced = ["\(BLASKernelChoice.kernelVariable)=", "\(BLASKernelChoice.markerVariable)="]
    var p: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
    while let cursor = p, let entry = cursor.pointee {
      let text = String(cString: entry)
      if !replaced.contains(where: text.hasPrefix) { entries.append(strdup(entry)) }
      p = cursor + 1
    }
    entries.append(strdup("\(BLASKernelChoice.kernelVariable)=\(kernel)"))
    entries.append(strdup("\(BLASKernelChoice.markerVariable)=\(marker)"))
    entries.append(nil)
    let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: entries.count)
    array.initialize(from: entries, count: entries.count)
    return array
  }

  /// Frees an array made by `environment(kernel:marker:)`.
  static func release(_ array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) {
    var p = array
    while let entry = p.pointee {
      free(entry)
      p += 1
    }
    array.deallocate()
  }
}

// MARK: - A kernel that crashes on the check

/// What the crash handler does for one signal: print a message and/or execute flowc
/// again with the next kernel. Plain C pointers, read-only in the handler.
private struct CrashAction {
  /// Written to standard error first (nil: nothing).
  var message: UnsafeMutablePointer<CChar>?
  /// The message's length in bytes.
  var messageLength: Int
  /// The environment to execute flowc with (nil: no kernel left, die of the signal).
  var environment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
}

/// The signals a kernel that cannot run on this CPU raises: an instruction the CPU
/// lacks (SIGILL), or a bad access or arithmetic trap in broken vector code.
private let crashSignals: [Int32] = [SIGILL, SIGSEGV, SIGBUS, SIGFPE]

/// One action per entry of `crashSignals` while a check runs, else nil.
nonisolated(unsafe) private var crashActions: UnsafeMutablePointer<CrashAction>?
/// `/proc/self/exe` as a C string, for the handler.
nonisolated(unsafe) private var crashPath: UnsafeMutablePointer<CChar>?
/// The process's argv, for the handler.
nonisolated(unsafe) private var crashArgv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?

/// The handler: async-signal-safe calls only (write, execve, signal, raise), and the
/// slot of `signo` in `crashSignals` by a switch rather than a search of the array.
private func crashHandler(_ signo: Int32) {
  let slot: Int
  switch signo {
  case SIGILL: slot = 0
  case SIGSEGV: slot = 1
  case SIGBUS: slot = 2
  default: slot = 3
  }
  if let actions = crashActions {
    let action = actions[slot]
    if let message = action.message { _ = write(2, message, action.messageLength) }
    if let env = action.environment, let path = crashPath, let argv = crashArgv { execve(path, argv, env) }
  }
  // No next kernel (or the exec failed): die of the signal, as without the handler.
  signal(signo, SIG_DFL)
  raise(signo)
}

/// Runs the check with handlers that turn a crash into the attempt's failure path.
enum CrashFallback {
  /// Runs `body` (the check) with the crash handlers installed, then restores the
  /// previous ones (the Swift runtime's backtracer).
  static func guarding<R>(_ attempt: BLASKernelAttempt, _ body: () -> R) -> R {
    let names = ["SIGILL", "SIGSEGV", "SIGBUS", "SIGFPE"]  // in the order of crashSignals
    let actions = UnsafeMutablePointer<CrashAction>.allocate(capacity: crashSignals.count)
    for (i, name) in names.enumerated() {
      var action = CrashAction(message: nil, messageLength: 0, environment: nil)
      switch attempt.failed("crashed with \(name)") {
      case .restart(let marker):
        // The next process names the failed kernel in its warning.
        action.environment = Exec.environment(kernel: marker.kernel, marker: marker.text)
      case .accept, .check:
        let note = attempt.source == .environment
          ? "flowc: the OpenBLAS kernel \(attempt.kernel) set by OPENBLAS_CORETYPE crashed (\(name)) in flowc's product check: "
            + "this CPU cannot run it; unset OPENBLAS_CORETYPE to let flowc choose\n"
          : "flowc: OpenBLAS kernel \(attempt.kernel) crashed (\(name)) in flowc's product check, and no other kernel is left\n"
        action.message = strdup(note)
        action.messageLength = note.utf8.count
      }
      actions[i] = action
    }
    crashPath = strdup(Exec.selfPath)
    crashArgv = CommandLine.unsafeArgv
    crashActions = actions

    var previous = crashSignals.map { _ in sigaction() }
    for (i, signo) in crashSignals.enumerated() {
      var handler = sigaction()
      handler.__sigaction_handler.sa_handler = crashHandler
      sigemptyset(&handler.sa_mask)
      // NODEFER: the signal is not blocked in the handler, so it is not blocked in the
      // image the handler executes either (execve keeps the signal mask).
      handler.sa_flags = Int32(bitPattern: UInt32(SA_NODEFER) | UInt32(SA_RESETHAND))
      sigaction(signo, &handler, &previous[i])
    }
    let result = body()
    for (i, signo) in crashSignals.enumerated() { sigaction(signo, &previous[i], nil) }
    crashActions = nil
    free(crashPath)
    crashPath = nil
    for i in 0..<crashSignals.count {
      free(actions[i].message)
      if let env = actions[i].environment { Exec.release(env) }
    }
    actions.deallocate()
    return result
  }
}

#else

/// Elsewhere than Linux the check runs without crash handlers.
enum CrashFallback {
  /// Runs `body`.
  static func guarding<R>(_ attempt: BLASKernelAttempt, _ body: () -> R) -> R { body() }
}

#endif
