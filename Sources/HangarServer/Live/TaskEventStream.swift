import HangarCore
import HangarRuntime
import HangarStore

/// Follows one task's event log from a position to its final status: the backlog, then each
/// event as the store announces it (LISTEN/NOTIFY on PostgreSQL, so tasks run by any process
/// are followed). The one follow loop behind every live view: the task SSE stream, the log SSE
/// stream, and the WebSocket hub's reader (which the CLI's `--follow` and seed 004's clients
/// reach through those endpoints).
struct TaskEventStream: Sendable {
    /// One step of the follow.
    enum Item: Sendable {
        /// New events, oldest first; `finished` is the task as it ended when the page holds
        /// the final status (the last call then).
        case events([TaskEvent], finished: TaskRecord?)
        /// Nothing new for the keep-alive period.
        case idle
    }

    let store: any TaskFeedStore
    let taskID: String
    var pageSize = 500

    /// Calls `body` with each page of new events after `start`, in order, and with `.idle` after
    /// each quiet `keepAlive`. Returns after the page holding the final status; at once (after
    /// the backlog) for a task that ended before; or when the calling task is cancelled.
    func follow(
        after start: Int64, keepAlive: Duration, isolation: isolated (any Actor)? = #isolation, _ body: (Item) async throws -> Void
    ) async throws {
        try await Self.withWakeups(store: store, taskID: taskID) { wake in
            var after = start
            var sawFinalTask = false
            while !Task.isCancelled {
                let events = try await store.eventList(taskID: taskID, afterSeq: after, limit: pageSize)
                if let last = events.last {
                    after = last.seq
                    if events.contains(where: { $0.finalStatus != nil }) {
                        let final = try await store.taskGet(tenantID: nil, id: taskID)
                        let upToFinal = Array(events.prefix { $0.finalStatus == nil }) + [events.first { $0.finalStatus != nil }!]
                        try await body(.events(upToFinal, finished: final))
                        return
                    }
                    try await body(.events(events, finished: nil))
                    if events.count == pageSize { continue }
                } else {
                    // Nothing new. For a task already over (followed after its end, or a stream
                    // resumed past it) read once more before stopping: its final event may
                    // have committed between the read and the status check.
                    if sawFinalTask { return }
                    if try await store.taskGet(tenantID: nil, id: taskID)?.status.isFinal ?? true {
                        sawFinalTask = true
                        continue
                    }
                }
                let waited = ContinuousClock.now
                await wake.wait(timeout: keepAlive)
                if ContinuousClock.now - waited >= keepAlive { try await body(.idle) }
            }
        }
    }

    /// Runs `body` with a signal that fires whenever the store announces new events of the task.
    static func withWakeups<T: Sendable>(
        store: any NotifyingStore, taskID: String, isolation: isolated (any Actor)? = #isolation, _ body: (WakeSignal) async throws -> T
    ) async throws -> T {
        let wake = WakeSignal()
        let signals = store.notifier.subscribe()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await signal in signals {
                    if case .event(let id, _) = signal, id == taskID { wake.signal() }
                }
            }
            defer { group.cancelAll() }
            return try await body(wake)
        }
    }
}
