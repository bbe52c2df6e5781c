import Foundation

/// Per-tenant limits (seed 002's quotas). `nil` = unlimited.
public struct TenantQuota: Sendable, Hashable {
    public var tenantID: String
    /// Tasks of the tenant running at once, across every worker (enforced at claim time).
    public var maxConcurrentTasks: Int?
    /// Tasks accepted per rolling hour (enforced at submission: 429).
    public var maxTasksPerHour: Int?
    /// Registered agents (enforced at creation: 403).
    public var maxAgents: Int?

    public init(tenantID: String, maxConcurrentTasks: Int? = nil, maxTasksPerHour: Int? = nil, maxAgents: Int? = nil) {
        self.tenantID = tenantID
        self.maxConcurrentTasks = maxConcurrentTasks
        self.maxTasksPerHour = maxTasksPerHour
        self.maxAgents = maxAgents
    }
}

/// The outcome of taking a token from a rate-limit bucket.
public struct RateLimitDecision: Sendable, Hashable {
    public var allowed: Bool
    /// Whole tokens left after this request.
    public var remaining: Int
    /// Seconds until the next token, when refused.
    public var retryAfter: Double

    public init(allowed: Bool, remaining: Int, retryAfter: Double) {
        self.allowed = allowed
        self.remaining = remaining
        self.retryAfter = retryAfter
    }
}
