import Foundation
public import HangarCore

/// Each task's numbered event log.
public protocol EventStore: Sendable {
    /// Appends events to a task's log, numbering them. With a lease token, only the lease
    /// holder may append (a zombie worker gets `leaseLost`).
    func eventAppend(_ params: EventAppendParams) async throws -> [TaskEvent]
    /// Oldest first, from `afterSeq` (exclusive).
    func eventList(taskID: String, afterSeq: Int64, limit: Int) async throws -> [TaskEvent]
    /// The tenant's events of the given types matching the filters, newest first.
    func eventSearch(_ params: EventSearchParams) async throws -> [EventHit]
}

/// What following a task's log live needs: the task (for its status), its events, and the
/// wake-ups that say more arrived.
public typealias TaskFeedStore = TaskStore & EventStore & NotifyingStore
