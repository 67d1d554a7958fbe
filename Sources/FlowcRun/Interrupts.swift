#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Set by SIGINT/SIGTERM; the trainer checks it between steps, checkpoints and stops,
/// so Ctrl-C never loses more than the step in flight.
nonisolated(unsafe) private var interruptFlag: sig_atomic_t = 0

enum Interrupts {
  /// Installs the handlers (a second Ctrl-C still only sets the flag: the checkpoint
  /// being written must finish).
  static func install() {
    interruptFlag = 0
    signal(SIGINT) { _ in interruptFlag = 1 }
    signal(SIGTERM) { _ in interruptFlag = 1 }
    // A parent may start us with these signals blocked (the mask is inherited, and test
    // runners and some process managers block them): unblock them, or Ctrl-C would be
    // held back until the run ends.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
  }

  static var requested: Bool { interruptFlag != 0 }
}
