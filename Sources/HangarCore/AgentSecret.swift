import Foundation

/// A secret of an agent (seed 004 "Secrets Management"). The value exists only encrypted.
public struct AgentSecret: Sendable, Hashable {
    public var id: String
    public var tenantID: String
    public var agentID: String
    public var key: String
    public var description: String?
    public var ciphertext: String
    /// Which master key sealed `ciphertext`.
    public var keyID: String
    public var isActive: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, tenantID: String, agentID: String, key: String, description: String?, ciphertext: String, keyID: String,
        isActive: Bool = true, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.tenantID = tenantID
        self.agentID = agentID
        self.key = key
        self.description = description
        self.ciphertext = ciphertext
        self.keyID = keyID
        self.isActive = isActive
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
