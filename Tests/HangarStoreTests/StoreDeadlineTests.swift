import Foundation
import HangarStore
import HangarTimers
import Testing

@Suite("Store deadlines: a call that never answers is abandoned; nested bounds do not pile up")
struct StoreDeadlineTests {
    @Test("a call past its deadline fails as an unreachable-storage fault, at the deadline")
    func abandoned() async throws {
        let start = ContinuousClock.now
        do {
            _ = try await withStoreDeadline(.milliseconds(200), "a test call") {
                try await Timers.sleep(for: .seconds(30))
                return 1
            }
            Issue.record("the call should have been abandoned")
        } catch let fault as StoreFault {
            #expect(fault.kind == .unreachable)
            #expect(fault.detail.contains("a test call"))
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(200) && elapsed < .seconds(5))
    }

    @Test("inside a bound as short or shorter, an inner bound adds nothing; a shorter inner one applies")
    func nested() async throws {
        #expect(StoreDeadline.active == nil)
        let seen = try await withStoreDeadline(.seconds(10), "outer") {
            let looser = try await withStoreDeadline(.seconds(30), "inner") { StoreDeadline.active }
            let tighter = try await withStoreDeadline(.seconds(2), "inner") { StoreDeadline.active }
            return [looser, tighter]
        }
        #expect(seen == [.seconds(10), .seconds(2)])
        // The inner call still ends with the outer bound.
        let start = ContinuousClock.now
        await #expect(throws: StoreFault.self) {
            try await withStoreDeadline(.milliseconds(200), "outer") {
                try await withStoreDeadline(.seconds(30), "inner") {
                    try await Timers.sleep(for: .seconds(30))
                }
            }
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
