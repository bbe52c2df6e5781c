import HangarCore
import HangarTimers

/// Runs `body`, failing it with a `timeout` failure when `deadline` passes first: the task's
/// own `timeout` input, which can be shorter than the attempt's.
func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant, seconds: Double, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Timers.sleep(until: deadline)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw TaskFailure(code: "timeout", message: "the browser task exceeded its timeout of \(seconds) s", retryable: false)
        }
        return value
    }
}
