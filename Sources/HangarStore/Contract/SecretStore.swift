import Foundation
public import HangarCore

/// Agents' secrets. Values arrive and leave encrypted (see HangarAuth.SecretBox): the store
/// never sees plaintext.
public protocol SecretStore: Sendable {
    /// `conflict` when the agent already has an active secret with that key.
    func secretInsert(_ secret: AgentSecret) async throws
    /// Active secrets of an agent, or (agentID nil) every secret of every tenant, for key rotation.
    func secretList(tenantID: String?, agentID: String?) async throws -> [AgentSecret]
    /// By id (active or not), or by key among the active ones.
    func secretGet(tenantID: String, agentID: String, idOrKey: String) async throws -> AgentSecret?
    /// Replaces ciphertext and/or description; `nil` leaves a field unchanged.
    func secretUpdate(id: String, ciphertext: String?, keyID: String?, description: String??) async throws
    /// Soft delete: the row stays, inactive. `false` when the tenant has no such active secret.
    func secretDeactivate(tenantID: String, id: String) async throws -> Bool
}
