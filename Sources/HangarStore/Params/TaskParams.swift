import Foundation
public import HangarCore

public struct TaskInsertParams: Sendable {
    public var tenantID: String
    public var agentID: String
    public var priority: Int
    public var input: JSONValue
    public var options: JSONValue
    public var maxAttempts: Int
    public var timeoutSeconds: Double
    public var maxSteps: Int?
    public var callbackURL: String?
    public var idempotencyKey: String?
    /// First claimable instant; `nil` = now.
    public var runAt: Date?
    /// The only process that may claim the task (the owner of its browser session); `nil`: any.
    public var ownerProcess: String?
    /// The submitting request's W3C `traceparent`, kept for the attempts' spans.
    public var traceParent: String?

    public init(
        tenantID: String, agentID: String, priority: Int = Priority.normal.value, input: JSONValue,
        options: JSONValue = .emptyObject, maxAttempts: Int = 3, timeoutSeconds: Double = 300, maxSteps: Int? = nil,
        callbackURL: String? = nil, idempotencyKey: String? = nil, runAt: Date? = nil, ownerProcess: String? = nil,
        traceParent: String? = nil
    ) {
        self.ownerProcess = ownerProcess
        self.tenantID = tenantID
        self.agentID = agentID
        self.priority = priority
        self.input = input
        self.options = options
        self.maxAttempts = maxAttempts
        self.timeoutSeconds = timeoutSeconds
        self.maxSteps = maxSteps
        self.callbackURL = callbackURL
        self.idempotencyKey = idempotencyKey
        self.runAt = runAt
        self.traceParent = traceParent
    }
}

public struct TaskInsertResult: Sendable {
    public var task: TaskRecord
    /// `false` when an earlier task with the same idempotency key was returned.
    public var inserted: Bool

    public init(task: TaskRecord, inserted: Bool) {
        self.task = task
        self.inserted = inserted
    }
}

public struct TaskListParams: Sendable {
    public var tenantID: String?
    public var agentID: String?
    public var agentKind: String?
    public var statuses: [TaskStatus]
    public var limit: Int
    public var offset: Int

    public init(
        tenantID: String?, agentID: String? = nil, agentKind: String? = nil, statuses: [TaskStatus] = [],
        limit: Int = 100, offset: Int = 0
    ) {
        self.tenantID = tenantID
        self.agentID = agentID
        self.agentKind = agentKind
        self.statuses = statuses
        self.limit = limit
        self.offset = offset
    }
}

public struct TaskUpdateParams: Sendable {
    public var tenantID: String
    public var id: String
    public var priority: Int?
    public var timeoutSeconds: Double?
    public var maxAttempts: Int?

    public init(tenantID: String, id: String, priority: Int? = nil, timeoutSeconds: Double? = nil, maxAttempts: Int? = nil) {
        self.tenantID = tenantID
        self.id = id
        self.priority = priority
        self.timeoutSeconds = timeoutSeconds
        self.maxAttempts = maxAttempts
    }
}

public struct TaskClaimParams: Sendable {
    public var workerID: String
    public var limit: Int
    public var leaseDuration: Duration
    /// Free capacity of the claiming worker; tasks whose agent needs more are left.
    public var capacity: Resources?
    /// Only these agent kinds (a worker that cannot run browsers leaves them). Empty = any.
    public var kinds: [String]
    /// The claiming process: tasks pinned to it (`TaskInsertParams.ownerProcess`) are claimable
    /// besides unpinned ones; tasks pinned elsewhere never are. `nil`: unpinned tasks only.
    public var processID: String?

    public init(
        workerID: String, limit: Int, leaseDuration: Duration, capacity: Resources? = nil, kinds: [String] = [], processID: String? = nil
    ) {
        self.processID = processID
        self.workerID = workerID
        self.limit = limit
        self.leaseDuration = leaseDuration
        self.capacity = capacity
        self.kinds = kinds
    }
}

public struct ClaimedTask: Sendable {
    public var task: TaskRecord
    public var agent: Agent

    public init(task: TaskRecord, agent: Agent) {
        self.task = task
        self.agent = agent
    }
}

public struct TaskClaimResult: Sendable {
    public var claimed: [ClaimedTask]
    /// When the earliest task that is waiting out a retry backoff becomes runnable, so an
    /// idle worker can sleep exactly that long instead of polling. Only set when nothing
    /// was claimed (a worker that got work claims again at once).
    public var nextRunAt: Date?

    public init(claimed: [ClaimedTask], nextRunAt: Date?) {
        self.claimed = claimed
        self.nextRunAt = nextRunAt
    }
}

public struct TaskHeartbeatParams: Sendable {
    public var workerID: String
    /// (task id, lease token) of every attempt the worker is running.
    public var leases: [(taskID: String, token: String)]
    public var leaseDuration: Duration

    public init(workerID: String, leases: [(taskID: String, token: String)], leaseDuration: Duration) {
        self.workerID = workerID
        self.leases = leases
        self.leaseDuration = leaseDuration
    }
}

public struct LeaseState: Sendable, Hashable {
    public var taskID: String
    public var leaseToken: String
    /// `false`: the lease is gone; stop the attempt and record nothing.
    public var held: Bool
    public var cancelRequested: Bool

    public init(taskID: String, leaseToken: String, held: Bool, cancelRequested: Bool) {
        self.taskID = taskID
        self.leaseToken = leaseToken
        self.held = held
        self.cancelRequested = cancelRequested
    }
}

/// How an attempt ended.
public enum AttemptOutcome: Sendable {
    case completed(output: JSONValue, usage: JSONValue?)
    /// Retried after `retryDelay` when the failure is retryable and attempts remain;
    /// otherwise the task fails.
    case failed(TaskFailure, retryDelay: Duration)
    case cancelled(reason: String)
    case timedOut(TaskFailure)
}

public struct TaskFinishParams: Sendable {
    public var taskID: String
    public var leaseToken: String
    public var outcome: AttemptOutcome
    /// The attempt's model calls, written in the transaction that records its outcome (one
    /// commit per attempt instead of one per call). Spent whatever the outcome, so they are
    /// written for failed, cancelled and timed-out attempts too; a fenced-off finish writes
    /// nothing, and the caller records them on their own.
    public var usage: [UsageRecord]

    public init(taskID: String, leaseToken: String, outcome: AttemptOutcome, usage: [UsageRecord] = []) {
        self.taskID = taskID
        self.leaseToken = leaseToken
        self.outcome = outcome
        self.usage = usage
    }
}

public struct TaskRescueParams: Sendable {
    /// Delay before a rescued task may be claimed again (backoff for the lost attempt).
    public var retryDelay: @Sendable (_ attempt: Int) -> Duration
    public var limit: Int

    public init(limit: Int = 1000, retryDelay: @escaping @Sendable (_ attempt: Int) -> Duration) {
        self.limit = limit
        self.retryDelay = retryDelay
    }
}

public struct TaskCounts: Sendable, Hashable {
    public var byStatus: [TaskStatus: Int]
    /// Queued tasks by priority value.
    public var queuedByPriority: [Int: Int]

    public init(byStatus: [TaskStatus: Int], queuedByPriority: [Int: Int]) {
        self.byStatus = byStatus
        self.queuedByPriority = queuedByPriority
    }
}

/// Queued tasks by priority and running tasks, all tenants (`taskQueueLoad`).
public struct TaskQueueLoad: Sendable, Hashable {
    public var queuedByPriority: [Int: Int]
    public var running: Int

    public init(queuedByPriority: [Int: Int], running: Int) {
        self.queuedByPriority = queuedByPriority
        self.running = running
    }

    /// Queued tasks a task of `priority` waits behind (equal priorities go first come, first served).
    public func queued(atOrAbove priority: Int) -> Int {
        queuedByPriority.reduce(0) { $0 + ($1.key >= priority ? $1.value : 0) }
    }
}

public struct EventAppendParams: Sendable {
    public var taskID: String
    /// When set, the append is fenced by this lease.
    public var leaseToken: String?
    public var events: [NewTaskEvent]

    public init(taskID: String, leaseToken: String? = nil, events: [NewTaskEvent]) {
        self.taskID = taskID
        self.leaseToken = leaseToken
        self.events = events
    }
}

/// A search of stored task logs (`GET /api/v1/logs/history`), newest first.
public struct EventSearchParams: Sendable {
    public var tenantID: String
    public var agentID: String?
    public var taskID: String?
    /// Event types to return (`["log"]` for logs).
    public var types: [String]
    /// Only these `data.level` values; `nil` = any.
    public var levels: [String]?
    /// Case-insensitive substring of `data.message`.
    public var search: String?
    /// Only events strictly older than this (the next page).
    public var before: Date?
    public var limit: Int

    public init(
        tenantID: String, agentID: String? = nil, taskID: String? = nil, types: [String] = ["log"], levels: [String]? = nil, search: String? = nil,
        before: Date? = nil, limit: Int = 100
    ) {
        self.tenantID = tenantID
        self.agentID = agentID
        self.taskID = taskID
        self.types = types
        self.levels = levels
        self.search = search
        self.before = before
        self.limit = limit
    }

    /// `search` as a LIKE pattern with its wildcards escaped (escape character `\`).
    public var likePattern: String? {
        search.map { "%" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%" }
    }
}

/// An event found by a search, with the agent of its task.
public struct EventHit: Sendable, Hashable {
    public var event: TaskEvent
    public var agentID: String

    public init(event: TaskEvent, agentID: String) {
        self.event = event
        self.agentID = agentID
    }
}
