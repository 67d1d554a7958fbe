/// `flowc run --workers N` for a flow that cannot be trained on batch slices: reported
/// before the run directory is made, so nothing is left behind.
package struct WorkersError: Error, CustomStringConvertible {
  /// What is wrong and what to do instead.
  package var message: String
  package var description: String { message }
}
