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

/// Why a request could not be authenticated. The reason names the check that failed (expired,
/// no `exp`, bad signature, wrong audience, unknown key) and never a secret.
public enum AuthFailure: Error, Sendable, Equatable {
    case missingCredential
    case invalidCredential(reason: String)

    /// The words every transport uses for it (HTTP 401 body, WebSocket close reason), so one
    /// failure reads the same wherever the credential was sent.
    public var message: String {
        switch self {
        case .missingCredential:
            return "authentication required: send Authorization: Bearer <API key or JWT> (or ?token= on WebSocket and event-stream URLs)"
        case .invalidCredential(let reason):
            return "invalid credential: \(reason)"
        }
    }
}
