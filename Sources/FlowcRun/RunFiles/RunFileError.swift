/// A file of a run directory that cannot be written or read, named with what is wrong:
/// the user sees `cannot write 'runs/x/metrics.jsonl': ...`, never a Foundation error
/// code.
package struct RunFileError: Error, CustomStringConvertible {
  /// The file.
  package var path: String
  /// What went wrong, e.g. "the directory is not writable".
  package var problem: String
  /// Whether the failure was writing (else reading).
  package var writing: Bool

  package init(path: String, problem: String, writing: Bool = true) {
    self.path = path
    self.problem = problem
    self.writing = writing
  }

  package var description: String { "cannot \(writing ? "write" : "read") '\(path)': \(problem)" }
}
