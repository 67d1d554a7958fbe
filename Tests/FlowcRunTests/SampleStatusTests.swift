import FlowcRun
import Testing

/// When non-finite samples make a run `non_finite`: more than 1 % of them, as the round
/// trip judges its rows; fewer are the tails of a healthy flow (a warning).
@Suite struct SampleStatusTests {
  @Test func moreThanOnePercentOfTheSamplesFailsTheRun() {
    #expect(!Runner.samplesFail(nonFinite: 0, of: 64))
    // One of 64 is 1.6 %: a healthy Glow's T = 1 tails do that a third of the time at 64
    // samples, so the spec draws enough to tell.
    #expect(Runner.samplesFail(nonFinite: 1, of: 64))
    #expect(!Runner.samplesFail(nonFinite: 6, of: 1000))
    #expect(!Runner.samplesFail(nonFinite: 10, of: 1000))
    #expect(Runner.samplesFail(nonFinite: 11, of: 1000))
    #expect(Runner.samplesFail(nonFinite: 1000, of: 1000))
    #expect(!Runner.samplesFail(nonFinite: 0, of: 0))
  }
}
