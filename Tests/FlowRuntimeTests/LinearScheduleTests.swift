import FlowRuntime
import Testing

/// The linear decay added for `schedule: linear`.
@Suite struct LinearScheduleTests {
  @Test func warmUpThenStraightLineToTheFloor() {
    let s = LearningRateSchedule(base: 1.0, warmupSteps: 2, decay: .linear(totalSteps: 12, floor: 0.2))
    #expect(s.learningRate(atStep: 0) == 0.5)
    #expect(s.learningRate(atStep: 1) == 1.0)
    #expect(s.learningRate(atStep: 2) == 1.0)
    #expect(abs(s.learningRate(atStep: 7) - 0.6) < 1e-12)
    #expect(abs(s.learningRate(atStep: 12) - 0.2) < 1e-12)
    #expect(abs(s.learningRate(atStep: 100) - 0.2) < 1e-12)
  }
}
