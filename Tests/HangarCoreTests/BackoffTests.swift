import HangarCore
import Testing

@Suite("Backoff: one retry schedule for tasks, providers, S3 and webhooks")
struct BackoffTests {
    @Test("exponential: doubles from the base after each failure, up to the maximum; no spread is exact")
    func exponential() {
        let backoff = Backoff(.exponential(base: .milliseconds(100), maximum: .seconds(1)))
        let delays = (0...7).map { backoff.delay(afterFailure: $0) }
        #expect(delays == [.milliseconds(100), .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1), .seconds(1)])
        #expect(backoff.delay(afterFailure: 10_000) == .seconds(1), "no overflow far out")
    }

    @Test("spread: every delay lies within its factor range of the step, and they differ")
    func spread() {
        let backoff = Backoff(.exponential(base: .seconds(4), maximum: .seconds(60)), spread: 0.5...1)
        let samples = (0..<200).map { _ in backoff.delay(afterFailure: 2) }
        #expect(samples.allSatisfy { $0 >= .seconds(4) && $0 <= .seconds(8) })
        #expect(Set(samples).count > 100, "drawn at random, so failures together do not return together")
    }

    @Test("schedule: the n-th entry, the last one from then on; a ceiling caps the spread; empty means 5 s")
    func schedule() {
        let backoff = Backoff(.schedule([.seconds(10), .seconds(60), .seconds(3000)]), spread: 0.8...1.2, ceiling: .seconds(3600))
        #expect((8...12).contains(backoff.delay(afterFailure: 1).components.seconds))
        #expect((48...72).contains(backoff.delay(afterFailure: 2).components.seconds))
        for _ in 0..<50 { #expect(backoff.delay(afterFailure: 9) <= .seconds(3600)) }
        #expect(Backoff(.schedule([])).delay(afterFailure: 3) == .seconds(5))
    }
}
