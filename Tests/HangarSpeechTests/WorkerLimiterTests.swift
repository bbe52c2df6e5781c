import HangarSpeech
import Testing

@Suite("Worker limiter")
struct WorkerLimiterTests {
    @Test("never more than the permits at once, and all of them used")
    func limits() async throws {
        let limiter = WorkerLimiter(permits: 2)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { try await limiter.withPermit { try await Task.sleep(for: .milliseconds(20)) } }
            }
            try await group.waitForAll()
        }
        #expect(limiter.peakConcurrency == 2)
    }

    @Test("waiters are served first come, first served")
    func fifo() async throws {
        actor Order {
            var values: [Int] = []
            func append(_ value: Int) { values.append(value) }
        }
        let limiter = WorkerLimiter(permits: 1)
        let order = Order()
        let gate = AsyncStream<Void>.makeStream()
        let holder = Task { try await limiter.withPermit { for await _ in gate.stream {} } }
        try await eventually { limiter.peakConcurrency == 1 }
        var waiters: [Task<Void, any Error>] = []
        for index in 0..<5 {
            waiters.append(Task { try await limiter.withPermit { await order.append(index) } })
            try await eventually { limiter.waiting == index + 1 }
        }
        gate.continuation.finish()
        try await holder.value
        for waiter in waiters { try await waiter.value }
        #expect(await order.values == Array(0..<5))
    }

    @Test("a cancelled waiter leaves the queue without taking a permit")
    func cancellation() async throws {
        let limiter = WorkerLimiter(permits: 1)
        let holder = Task { try await limiter.withPermit { try await Task.sleep(for: .milliseconds(200)) } }
        try await Task.sleep(for: .milliseconds(20))
        let waiter = Task { try await limiter.withPermit { 1 } }
        try await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        try await holder.value
        #expect(try await limiter.withPermit { 2 } == 2)
    }
}
