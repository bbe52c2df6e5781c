import Foundation

/// A security event worth an administrator's attention (seed 004 "Security Incident
/// Management"): repeated authentication failures, rate-limit breaches, blocked SSRF
/// attempts, execution timeouts, limits exceeded, agent definitions refused.
public struct SecurityIncident: Sendable, Hashable {
    /// The seed's violation types, plus Hangar's `AUTH_FAILURE` and `SSRF_BLOCKED`.
    public enum Kind: String, Sendable, CaseIterable {
        case resourceExceeded = "RESOURCE_EXCEEDED"
        case permissionDenied = "PERMISSION_DENIED"
        case maliciousContent = "MALICIOUS_CONTENT"
        case rateLimitExceeded = "RATE_LIMIT_EXCEEDED"
        case schemaViolation = "SCHEMA_VIOLATION"
        case executionTimeout = "EXECUTION_TIMEOUT"
        case authFailure = "AUTH_FAILURE"
        case ssrfBlocked = "SSRF_BLOCKED"
    }

    public enum Severity: String, Sendable, CaseIterable, Comparable {
        case low, medium, high, critical

        var rank: Int { Self.allCases.firstIndex(of: self)! }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public var id: String
    public var tenantID: String
    public var kind: Kind
    public var severity: Severity
    public var description: String
    public var agentID: String?
    public var taskID: String?
    /// Who caused it: a key or JWT subject, or the client address for failed authentication.
    public var actor: String?
    public var details: JSONValue
    public var createdAt: Date
    public var resolvedAt: Date?
    public var resolvedBy: String?
    public var resolutionNotes: String?

    public var resolved: Bool { resolvedAt != nil }

    public init(
        id: String = "sec_\(Int(Date().timeIntervalSince1970))_\(Identifier.leaseToken().replacingOccurrences(of: "-", with: "").prefix(12))", tenantID: String, kind: Kind,
        severity: Severity, description: String, agentID: String? = nil, taskID: String? = nil, actor: String? = nil,
        details: JSONValue = .emptyObject, createdAt: Date = Date(), resolvedAt: Date? = nil, resolvedBy: String? = nil,
        resolutionNotes: String? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.kind = kind
        self.severity = severity
        self.description = description
        self.agentID = agentID
        self.taskID = taskID
        self.actor = actor
        self.details = details
        self.createdAt = createdAt
        self.resolvedAt = resolvedAt
        self.resolvedBy = resolvedBy
        self.resolutionNotes = resolutionNotes
    }
}
