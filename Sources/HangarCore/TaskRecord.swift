import Foundation

/// One unit of work for an agent, as stored. (Named `TaskRecord` so it never shadows Swift's `Task`.)
public struct TaskRecord: Sendable, Hashable {
    public var id: String
    public var tenantID: String
    public var agentID: String
    public var agentKind: String
    public var status: TaskStatus
    public var priority: Int
    public var input: JSONValue
    public var options: JSONValue
    public var output: JSONValue?
    public var error: TaskFailure?
    public var progress: Double?
    public var attempts: Int
    public var maxAttempts: Int
    /// Seconds one attempt may run before it ends as `timed_out`.
    public var timeoutSeconds: Double
    public var maxSteps: Int?
    public var callbackURL: String?
    public var idempotencyKey: String?
    public var usage: JSONValue?
    /// Not claimable before this instant (retry backoff).
    public var runAt: Date
    public var leaseOwner: String?
    public var leaseToken: String?
    public var leaseExpiresAt: Date?
    public var cancelRequested: Bool
    public var lastEventSeq: Int64
    public var createdAt: Date
    public var startedAt: Date?
    public var completedAt: Date?
    public var updatedAt: Date
    /// The W3C `traceparent` of the request that submitted the task (when tracing was on), so
    /// its attempts join that trace.
    public var traceParent: String?

    public init(
        id: String, tenantID: String, agentID: String, agentKind: String, status: TaskStatus, priority: Int,
        input: JSONValue, options: JSONValue, output: JSONValue? = nil, error: TaskFailure? = nil,
        progress: Double? = nil, attempts: Int = 0, maxAttempts: Int, timeoutSeconds: Double, maxSteps: Int? = nil,
        callbackURL: String? = nil, idempotencyKey: String? = nil, usage: JSONValue? = nil, runAt: Date,
        leaseOwner: String? = nil, leaseToken: String? = nil, leaseExpiresAt: Date? = nil,
        cancelRequested: Bool = false, lastEventSeq: Int64 = 0, createdAt: Date, startedAt: Date? = nil,
        completedAt: Date? = nil, updatedAt: Date, traceParent: String? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.agentID = agentID
        self.agentKind = agentKind
        self.status = status
        self.priority = priority
        self.input = input
        self.options = options
        self.output = output
        self.error = error
        self.progress = progress
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.timeoutSeconds = timeoutSeconds
        self.maxSteps = maxSteps
        self.callbackURL = callbackURL
        self.idempotencyKey = idempotencyKey
        self.usage = usage
        self.runAt = runAt
        self.leaseOwner = leaseOwner
        self.leaseToken = leaseToken
        self.leaseExpiresAt = leaseExpiresAt
        self.cancelRequested = cancelRequested
        self.lastEventSeq = lastEventSeq
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.updatedAt = updatedAt
        self.traceParent = traceParent
    }
}

/// Why an attempt or a task failed. `code` is stable and machine-readable; its description
/// is the message alone, so an interpolated failure reads as words, not as a Swift dump.
public struct TaskFailure: Sendable, Hashable, Codable, Error, CustomStringConvertible {
    public var code: String
    public var message: String
    public var retryable: Bool

    public init(code: String, message: String, retryable: Bool) {
        self.code = code
        self.message = message
        self.retryable = retryable
    }

    public var description: String { message }

    public static func leaseExpired(attempt: Int) -> TaskFailure {
        TaskFailure(code: "lease_expired", message: "worker stopped renewing its lease during attempt \(attempt)", retryable: true)
    }
}
