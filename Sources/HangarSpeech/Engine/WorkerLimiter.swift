import Synchronization

/// An async semaphore: at most `permits` bodies run at once; waiters are served first come,
/// first served; a waiter whose task is cancelled leaves the queue at once.
public final class WorkerLimiter: Sendable {
    public let permits: Int
    private struct State {
        var available: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
        var running = 0
        var peak = 0
    }
    private let state: Mutex<State>

    public init(permits: Int) {
        self.permits = max(1, permits)
        self.state = Mutex(State(available: max(1, permits)))
    }

    /// The most bodies that have run at once.
    public var peakConcurrency: Int { state.withLock { $0.peak } }

    /// Callers waiting for a permit.
    public var waiting: Int { state.withLock { $0.waiters.count } }

    public func withPermit<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async throws {
        let id = state.withLock { state -> UInt64? in
            if state.available > 0 {
                state.available -= 1
                state.running += 1
                state.peak = max(state.peak, state.running)
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    state.waiters.append((id, continuation))
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            state.running -= 1
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            state.running += 1
            state.peak = max(state.peak, state.running)
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}
