import HangarTimers
/// Runs `operation`, cancelling it and throwing `SpeechError.timeout(message)` if it takes longer than `limit`.
func withDeadline<T: Sendable>(
    _ limit: Duration,
    _ message: @autoclosure () -> String,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let message = message()
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Timers.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw SpeechError.timeout(message) }
        return value
    }
}
