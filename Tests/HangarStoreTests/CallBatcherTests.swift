import Foundation
@testable import HangarStorePostgres
import HangarTimers
import Synchronization
import Testing

/// Group commit for PostgreSQL's completions and submissions: batches grow with the load, a
/// lone call goes at once, every caller gets its own answer.
@Suite("CallBatcher: group commit for one kind of call")
struct CallBatcherTests {
    final class Batches: Sendable {
        let sizes = Mutex<[Int]>([])
    }

    @Test("concurrent calls share batches, each caller gets its own result, a lone call goes alone and at once")
    func batching() async throws {
        let batcher = CallBatcher<Int, Int>(maxBatch: 16)
        let batches = Batches()
        let run: @Sendable ([Int]) async throws -> [Result<Int, any Error>] = { inputs in
            batches.sizes.withLock { $0.append(inputs.count) }
            try await Timers.sleep(for: .milliseconds(20))  // a statement's round trip
            return inputs.map { $0 % 7 == 0 ? .failure(CallFailed(input: $0)) : .success($0 * 10) }
        }
        let results = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
            for input in 1...100 {
                group.addTask {
                    do { return (input, .success(try await batcher.submit(input, run: run))) } catch { return (input, .failure(error)) }
                }
            }
            return await group.reduce(into: [Int: Result<Int, any Error>]()) { $0[$1.0] = $1.1 }
        }
        for input in 1...100 {
            switch results[input] {
            case .success(let value)?: #expect(input % 7 != 0 && value == input * 10)
            case .failure(let error)?: #expect(input % 7 == 0 && (error as? CallFailed)?.input == input, "a failing call fails alone")
            case nil: Issue.record("no answer for \(input)")
            }
        }
        let sizes = batches.sizes.withLock { $0 }
        #expect(sizes.reduce(0, +) == 100)
        #expect(sizes.allSatisfy { $0 <= 16 }, "no batch beyond maxBatch: \(sizes)")
        #expect(sizes.count < 50, "calls shared batches: \(sizes)")

        batches.sizes.withLock { $0 = [] }
        let started = ContinuousClock.now
        #expect(try await batcher.submit(3, run: run) == 30)
        #expect(batches.sizes.withLock { $0 } == [1])
        #expect(ContinuousClock.now - started < .milliseconds(500), "no waiting window for a lone call")
    }

    @Test("a batch that throws fails every call in it, and the next batch runs")
    func failedBatch() async throws {
        let batcher = CallBatcher<Int, Int>()
        let fail = Atomic<Bool>(true)
        let run: @Sendable ([Int]) async throws -> [Result<Int, any Error>] = { inputs in
            if fail.exchange(false, ordering: .relaxed) { throw CallFailed(input: -1) }
            return inputs.map { .success($0) }
        }
        await #expect(throws: CallFailed.self) { try await batcher.submit(1, run: run) }
        #expect(try await batcher.submit(2, run: run) == 2)
    }
}

struct CallFailed: Error {
    let input: Int
}
