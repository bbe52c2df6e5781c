import Foundation

/// A stored API key. Only a hash of its secret is kept; the key itself is shown once.
public struct APIKey: Sendable, Hashable {
    /// Public identifier, also embedded in the key (`hgr_<id>_<secret>`).
    public var id: String
    public var tenantID: String
    public var name: String
    public var role: Role
    /// SHA-256 of the secret part, hex.
    public var secretHash: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(
        id: String, tenantID: String, name: String, role: Role, secretHash: String, createdAt: Date, lastUsedAt: Date? = nil,
        revokedAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.role = role
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}

/// One administrative change or sensitive read, for `GET /api/v1/audit`.
public struct AuditEntry: Sendable, Hashable {
    public var id: String
    public var tenantID: String
    /// Who: `key:<id>`, `jwt:<sub>`, `system`.
    public var actor: String
    /// What: `agent.create`, `key.revoke`, …
    public var action: String
    public var resourceType: String
    public var resourceID: String?
    public var details: JSONValue
    public var createdAt: Date

    public init(
        id: String = Identifier.make(), tenantID: String, actor: String, action: String, resourceType: String, resourceID: String?,
        details: JSONValue = .emptyObject, createdAt: Date = Date()
    ) {
        self.id = id
        self.tenantID = tenantID
        self.actor = actor
        self.action = action
        self.resourceType = resourceType
        self.resourceID = resourceID
        self.details = details
        self.createdAt = createdAt
    }
}

public struct TenantRecord: Sendable, Hashable {
    public var id: String
    public var name: String
    public var createdAt: Date

    public init(id: String, name: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}
