import Foundation

/// The deployment's process directory and who holds each persistent browser session.
///
/// Every `serve` and `worker` process heartbeats a row here. A browser session lives in the
/// memory of the process that opened it, so its row names that owner: tasks for the session
/// are claimed only there (`TaskClaimParams.processID`), and API replicas forward session
/// requests to the owner's internal address. A process silent for longer than the time to
/// live is dead: its pinned queued tasks fail with an error naming the session, and after
/// `ProcessRecord.forgetAfter` its row and its sessions' rows are deleted.
public protocol ProcessStore: Sendable {
    /// Registers the process, or refreshes its heartbeat and address (an upsert).
    func processHeartbeat(_ params: ProcessHeartbeatParams) async throws
    /// Processes heard from within `liveWithin`, with how many sessions each holds, oldest first.
    func processList(liveWithin: Duration) async throws -> [ProcessRecord]
    /// Deletes the process and its sessions' rows (a clean shutdown).
    func processRemove(id: String) async throws
    /// Fails the queued tasks pinned to processes silent for longer than `ttl` (or gone), and
    /// deletes the rows of processes silent for longer than `forgetAfter`, with their sessions.
    func processExpire(ttl: Duration, forgetAfter: Duration) async throws -> ProcessExpiry

    /// Records a session opened by `processID`.
    func sessionRecord(_ session: SessionOwnerParams) async throws
    /// The session's owner, and whether the owner was heard from within `liveWithin`; `nil`
    /// when the tenant has no such session.
    func sessionOwner(tenantID: String, id: String, liveWithin: Duration) async throws -> SessionOwner?
    /// The tenant's sessions with their owners, oldest first.
    func sessionList(tenantID: String, liveWithin: Duration) async throws -> [SessionOwner]
    /// Forgets a closed session.
    func sessionRemove(id: String) async throws
}

public struct ProcessHeartbeatParams: Sendable, Equatable {
    public var id: String
    /// `serve` or `worker`.
    public var kind: String
    /// Where other processes reach this one's internal listener; `nil`: it hosts no sessions
    /// for others (an API-only replica, or a single process).
    public var internalURL: String?

    public init(id: String, kind: String, internalURL: String?) {
        self.id = id
        self.kind = kind
        self.internalURL = internalURL
    }
}

public struct ProcessRecord: Sendable, Equatable {
    public var id: String
    public var kind: String
    public var internalURL: String?
    public var startedAt: Date
    public var heartbeatAt: Date
    /// Sessions recorded for the process.
    public var sessions: Int

    public init(id: String, kind: String, internalURL: String?, startedAt: Date, heartbeatAt: Date, sessions: Int) {
        self.id = id
        self.kind = kind
        self.internalURL = internalURL
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.sessions = sessions
    }
}

public struct ProcessExpiry: Sendable, Equatable {
    /// Queued tasks failed because their session's owner is gone.
    public var failedTasks: [String]
    /// Process rows deleted.
    public var forgotten: [String]

    public init(failedTasks: [String], forgotten: [String]) {
        self.failedTasks = failedTasks
        self.forgotten = forgotten
    }
}

public struct SessionOwnerParams: Sendable, Equatable {
    public var id: String
    public var tenantID: String
    public var processID: String

    public init(id: String, tenantID: String, processID: String) {
        self.id = id
        self.tenantID = tenantID
        self.processID = processID
    }
}

public struct SessionOwner: Sendable, Equatable {
    public var sessionID: String
    public var tenantID: String
    public var processID: String
    /// The owner's internal listener, while its row is kept.
    public var internalURL: String?
    /// The owner's last heartbeat; `nil` once its row is gone.
    public var heartbeatAt: Date?
    /// Heard from within the asked window.
    public var alive: Bool
    public var createdAt: Date

    public init(
        sessionID: String, tenantID: String, processID: String, internalURL: String?, heartbeatAt: Date?, alive: Bool, createdAt: Date
    ) {
        self.sessionID = sessionID
        self.tenantID = tenantID
        self.processID = processID
        self.internalURL = internalURL
        self.heartbeatAt = heartbeatAt
        self.alive = alive
        self.createdAt = createdAt
    }
}
