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
    /// Reservations of the tenant's running tasks together (their agents' `resources`),
    /// enforced at claim time; a task that could never fit is refused at submission (403).
    public var maxCPU: Double?
    public var maxMemoryMB: Int?
    public var maxGPU: Int?
    /// Model tokens the tenant may use until an admin resets the count; when spent,
    /// submissions are refused (403) and queued tasks are not started.
    public var tokenBudget: Int?
    /// Tokens used while a budget is set (kept by the store as tasks complete; not set through
    /// `quotaSet`).
    public var tokensUsed: Int

    public init(
        tenantID: String, maxConcurrentTasks: Int? = nil, maxTasksPerHour: Int? = nil, maxAgents: Int? = nil, maxCPU: Double? = nil,
        maxMemoryMB: Int? = nil, maxGPU: Int? = nil, tokenBudget: Int? = nil, tokensUsed: Int = 0
    ) {
        self.tenantID = tenantID
        self.maxConcurrentTasks = maxConcurrentTasks
        self.maxTasksPerHour = maxTasksPerHour
        self.maxAgents = maxAgents
        self.maxCPU = maxCPU
        self.maxMemoryMB = maxMemoryMB
        self.maxGPU = maxGPU
        self.tokenBudget = tokenBudget
        self.tokensUsed = tokensUsed
    }

    /// The reservation quota as one `Resources` (unset parts unlimited), or `nil` without one.
    public var reservationLimit: Resources? {
        Self.reservationLimit(cpu: maxCPU, memoryMB: maxMemoryMB, gpu: maxGPU)
    }

    public static func reservationLimit(cpu: Double?, memoryMB: Int?, gpu: Int?) -> Resources? {
        guard cpu != nil || memoryMB != nil || gpu != nil else { return nil }
        return Resources(cpu: cpu ?? .greatestFiniteMagnitude, memoryMB: memoryMB ?? Int(Int32.max), gpu: gpu ?? Int(Int32.max))
    }

    public var budgetExhausted: Bool { tokenBudget.map { tokensUsed >= $0 } ?? false }
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
