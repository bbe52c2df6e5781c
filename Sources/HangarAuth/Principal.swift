public import HangarCore

/// Who is calling: the tenant every query is scoped to, and what they may do there.
public struct Principal: Sendable, Hashable {
    public var tenantID: String
    public var role: Role
    /// For the audit log: `key:<id>`, `jwt:<sub>`, or `local` (auth disabled).
    public var subject: String

    public init(tenantID: String, role: Role, subject: String) {
        self.tenantID = tenantID
        self.role = role
        self.subject = subject
    }

    /// Admins of the default tenant administer the installation (tenants, every tenant's keys).
    public var isSystemAdmin: Bool { role == .admin && tenantID == Tenant.defaultID }
}

/// Why a request could not be authenticated. Deliberately vague towards clients.
public enum AuthFailure: Error, Sendable, Equatable {
    case missingCredential
    case invalidCredential(reason: String)
}
