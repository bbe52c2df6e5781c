import Foundation
import HangarTimers
import Synchronization

/// Bounds how long a caller waits for one database call. A call whose connection died in
/// mid-flight can stay pending forever inside the driver (seen with PostgreSQL connections
/// killed during a failover); without a bound a worker slot never frees and a request never
/// ends. The call is abandoned (and cancelled) and fails as a storage fault (503 to a client,
/// a retry to a worker).
///
/// Deadlines nest without piling up: inside a call already bounded by a deadline no longer than
/// `limit` (a worker's claim, bounded by its lease, reaching the PostgreSQL store's own 30 s
/// bound), the operation runs directly, without a second racing task and timer.
public func withStoreDeadline<T: Sendable>(
    _ limit: Duration, _ what: String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    if let outer = StoreDeadline.active, outer <= limit { return try await operation() }
    let race = DeadlineRace<T>()
    return try await withCheckedThrowingContinuation { continuation in
        race.continuation.withLock { $0 = continuation }
        let work = Task {
            let result: Result<T, any Error>
            do { result = .success(try await StoreDeadline.$active.withValue(limit) { try await operation() }) } catch { result = .failure(error) }
            race.finish(result)
        }
        let timer = Timers.after(limit) {
            guard let pending = race.continuation.withLock({ $0.take() }) else { return }
            work.cancel()
            pending.resume(
                throwing: StoreFault(
                    kind: .unreachable, detail: "the database did not answer \(what) within \(Int(limit.components.seconds)) s", retryAfterSeconds: 5))
        }
        race.arm(timer)
    }
}

public enum StoreDeadline {
    /// The deadline bounding the current call, if any (see `withStoreDeadline`). Work that
    /// outlives its caller (a batch written for many callers) clears it, so that it keeps a
    /// bound of its own.
    @TaskLocal public static var active: Duration?
}

/// Who answers first: the call or the timer.
private final class DeadlineRace<T: Sendable>: Sendable {
    let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)
    private let timer = Mutex<(timer: PendingTimer?, finished: Bool)>((nil, false))

    func finish(_ result: Result<T, any Error>) {
        let pending = timer.withLock { state -> PendingTimer? in
            state.finished = true
            return state.timer
        }
        pending?.cancel()
        continuation.withLock { $0.take() }?.resume(with: result)
    }

    /// The timer, cancelled at once when the call already finished.
    func arm(_ armed: PendingTimer) {
        let finished = timer.withLock { state -> Bool in
            state.timer = armed
            return state.finished
        }
        if finished { armed.cancel() }
    }
}
