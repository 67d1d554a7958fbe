import Glibc

/// The process's peak resident set size so far, in bytes (getrusage's `ru_maxrss`, which
/// Linux gives in KiB), or nil where the call fails. Recorded in final.json so that runs,
/// and flowc against PyTorch, can be compared by memory as well as time.
package func peakResidentBytes() -> Int? {
  var usage = rusage()
  guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return nil }
  return Int(usage.ru_maxrss).multipliedReportingOverflow(by: 1024).partialValue
}
