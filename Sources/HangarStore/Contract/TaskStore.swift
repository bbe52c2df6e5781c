import Foundation
public import HangarCore

/// Tasks as callers see them: submit, read, change while queued, cancel, count, and delete
/// after retention. The worker's side of the queue is `TaskLeaseStore`.
public protocol TaskStore: Sendable {
    /// Commits a queued task (and its first event). With an idempotency key that already
    /// exists for the tenant, returns the existing task and `inserted == false`.
    func taskInsert(_ params: TaskInsertParams) async throws -> TaskInsertResult
    func taskGet(tenantID: String?, id: String) async throws -> TaskRecord?
    func taskGetByIdempotencyKey(tenantID: String, key: String) async throws -> TaskRecord?
    func taskList(_ params: TaskListParams) async throws -> [TaskRecord]
    /// Changes priority / timeout / max attempts while the task is queued; `conflict` after.
    func taskUpdateQueued(_ params: TaskUpdateParams) async throws -> TaskRecord
    /// Queued → `cancelled` at once. Running → `cancel_requested`, and the holder is told.
    /// Final → unchanged.
    func taskCancel(tenantID: String, id: String, reason: String) async throws -> TaskRecord
    /// Deletes finished tasks (and their events and deliveries) that ended before `before`.
    func taskDeleteFinished(before: Date, limit: Int) async throws -> Int
    func taskCounts(tenantID: String?) async throws -> TaskCounts
    /// Tasks the tenant submitted since `since` (for the per-hour quota).
    func taskCountSince(tenantID: String, since: Date) async throws -> Int
    /// The queue a new task joins, over every tenant: queued tasks by priority and running
    /// tasks, read through the partial indexes only (cheap on a large table).
    func taskQueueLoad() async throws -> TaskQueueLoad
    /// Run times (start to end, seconds) of the agent's latest completed tasks, newest first.
    func taskRecentDurations(agentID: String, limit: Int) async throws -> [Double]
}

/// The worker's side of the queue: claim under every limit, keep leases alive, record each
/// attempt's end, and return the work of lost workers.
public protocol TaskLeaseStore: Sendable {
    /// Claims up to `limit` runnable tasks for a worker under every claim-time limit, each
    /// with a fresh lease. Exclusive across processes.
    func taskClaim(_ params: TaskClaimParams) async throws -> TaskClaimResult
    /// Renews the leases the worker still holds; reports lost leases and cancel requests.
    func taskHeartbeat(_ params: TaskHeartbeatParams) async throws -> [LeaseState]
    /// Records the end of an attempt (see `TaskTransitions.finish`). Fenced: only the current
    /// lease holder succeeds, anyone else gets `HangarError.leaseLost`.
    func taskFinish(_ params: TaskFinishParams) async throws -> TaskRecord
    /// Returns running tasks whose lease expired to the queue, or ends them (see
    /// `TaskTransitions.rescue`). Returns the affected ids.
    func taskRescueExpired(_ params: TaskRescueParams) async throws -> [String]
}
