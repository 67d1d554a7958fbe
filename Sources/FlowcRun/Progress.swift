import FlowcDiagnostics
import Foundation

/// Where training stands, for the live progress line of `flowc run` on a terminal.
package struct TrainingProgress: Sendable, Equatable {
  package var step: Int
  package var totalSteps: Int
  /// Mean training loss (nats) since the last evaluation.
  package var loss: Double?
  /// The latest validation NLL (nil before the first evaluation).
  package var validationNLL: Double?
  package var stepsPerSecond: Double

  package init(step: Int, totalSteps: Int, loss: Double?, validationNLL: Double?, stepsPerSecond: Double) {
    (self.step, self.totalSteps, self.loss, self.validationNLL, self.stepsPerSecond) =
      (step, totalSteps, loss, validationNLL, stepsPerSecond)
  }

  /// Seconds left at the current speed (nil while the speed is unknown).
  package var secondsLeft: Double? {
    stepsPerSecond > 0 ? Double(totalSteps - step) / stepsPerSecond : nil
  }

  /// `step 1200/5000 [###.........] loss 1.7342 val 1.6810 412 steps/s 0:09 left`,
  /// cut to `width` characters. Plain text: the terminal control characters are added
  /// by `LiveProgress`.
  package func text(width: Int = 80) -> String {
    let barWidth = 12
    let filled = totalSteps > 0 ? min(barWidth, barWidth * step / totalSteps) : 0
    var s = "step \(step)/\(totalSteps) [" + String(repeating: "#", count: filled)
      + String(repeating: ".", count: barWidth - filled) + "]"
    if let loss { s += " loss \(formatFixed(loss, 4))" }
    if let validationNLL { s += " val \(formatFixed(validationNLL, 4))" }
    if stepsPerSecond > 0 { s += " \(stepsPerSecond >= 100 ? formatFixed(stepsPerSecond, 0) : formatFixed(stepsPerSecond, 1)) steps/s" }
    if let left = secondsLeft { s += " \(clock(left)) left" }
    return String(s.prefix(max(10, width - 1)))
  }
}

/// `m:ss`, or `h:mm:ss` from an hour.
func clock(_ seconds: Double) -> String {
  let t = Int(seconds.rounded(.up))
  let (h, m, s) = (t / 3600, t / 60 % 60, t % 60)
  return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
}

/// A progress line redrawn in place on a terminal: each update returns to the start of
/// the line (`\r`) and clears it (`ESC [K`); a log line printed meanwhile replaces the
/// progress line, which is drawn again below it.
package final class LiveProgress {
  private let write: (String) -> Void
  private let width: Int
  private var shown: String?

  package init(width: Int = 80, write: @escaping (String) -> Void) {
    self.width = width
    self.write = write
  }

  static let clearLine = "\r\u{1B}[K"

  package func update(_ progress: TrainingProgress) {
    let text = progress.text(width: width)
    write(Self.clearLine + text)
    shown = text
  }

  /// A permanent line above the progress line.
  package func line(_ text: String) {
    write((shown == nil ? "" : Self.clearLine) + text + "\n" + (shown ?? ""))
  }

  /// Removes the progress line (at the end of training).
  package func finish() {
    if shown != nil { write(Self.clearLine) }
    shown = nil
  }
}
