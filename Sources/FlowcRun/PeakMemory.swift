import CMalloc
import Glibc

/// The process's peak resident set size so far, in bytes (getrusage's `ru_maxrss`, which
/// Linux gives in KiB), or nil where the call fails. Recorded in final.json so that runs,
/// and flowc against PyTorch, can be compared by memory as well as time.
package func peakResidentBytes() -> Int? {
  var usage = rusage()
  guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return nil }
  return Int(usage.ru_maxrss).multipliedReportingOverflow(by: 1024).partialValue
}

/// Gives the memory malloc holds free back to the system (glibc's `malloc_trim`). A run
/// calls it when training is over: the trainer's weights, gradients, moments and
/// activations are freed by then, but mostly as chunks of malloc's heap that stay
/// resident, and the figures drawn next (a model loaded from the checkpoint) would
/// otherwise add their memory on top of them in the peak RSS.
package func releaseFreedMemory() {
  flowc_release_freed_memory()
}
