import HangarStore
import Synchronization

/// Group commit for one kind of call: calls that arrive while a batch is being written queue
/// up, and the next batch takes them all (up to `maxBatch`) in one statement. A call alone
/// goes at once (no waiting window, so latency at light load is one statement); under load the
/// batches grow with it, and PostgreSQL parses, plans, commits and fsyncs once per batch instead
/// of once per call. One batch is in flight at a time per batcher.
final class CallBatcher<Input: Sendable, Output: Sendable>: Sendable {
    private struct Pending {
        let input: Input
        let continuation: CheckedContinuation<Output, any Error>
    }

    private let state = Mutex<(queue: [Pending], draining: Bool)>(([], false))
    let maxBatch: Int

    init(maxBatch: Int = 256) {
        self.maxBatch = maxBatch
    }

    /// Queues `input` and returns its own result. `run` writes one batch and answers each
    /// input in order (`.failure` for one that failed alone); a thrown error fails the batch.
    /// Every caller passes the same `run`: whichever call finds the batcher idle drains it.
    func submit(
        _ input: Input, run: @escaping @Sendable ([Input]) async throws -> [Result<Output, any Error>]
    ) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            let lead = state.withLock { state -> Bool in
                state.queue.append(Pending(input: input, continuation: continuation))
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            // The drain outlives the call that started it and serves later callers: it must not
            // inherit that call's deadline (its statements keep the store's own bound).
            if lead { Task { await StoreDeadline.$active.withValue(nil) { await self.drain(run) } } }
        }
    }

    private func drain(_ run: @Sendable ([Input]) async throws -> [Result<Output, any Error>]) async {
        while true {
            let batch = state.withLock { state -> [Pending] in
                guard !state.queue.isEmpty else {
                    state.draining = false
                    return []
                }
                let taken = Array(state.queue.prefix(maxBatch))
                state.queue.removeFirst(taken.count)
                return taken
            }
            guard !batch.isEmpty else { return }
            do {
                let results = try await run(batch.map(\.input))
                for (pending, result) in zip(batch, results) { pending.continuation.resume(with: result) }
            } catch {
                for pending in batch { pending.continuation.resume(throwing: error) }
            }
        }
    }
}
