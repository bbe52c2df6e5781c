import Foundation
public import HangarCore
import HangarStore
import PostgresNIO

extension PostgresStore {
    public func secretInsert(_ secret: AgentSecret) async throws {
        do {
            _ = try await query(
                """
                INSERT INTO agent_secrets (id, tenant_id, agent_id, key, description, ciphertext, key_id, is_active, created_at, updated_at)
                VALUES (\(secret.id), \(secret.tenantID), \(secret.agentID), \(secret.key), \(secret.description), \(secret.ciphertext),
                    \(secret.keyID), true, \(secret.createdAt), \(secret.updatedAt))
                """, logger: logger)
        } catch where Self.isUniqueViolation(error) {
            throw HangarError.conflict("the agent already has a secret named '\(secret.key)'")
        }
    }

    public func secretList(tenantID: String?, agentID: String?) async throws -> [AgentSecret] {
        try await query(
            """
            SELECT \(unescaped: Self.secretColumns) FROM agent_secrets
            WHERE (\(tenantID)::text IS NULL OR tenant_id = \(tenantID))
              AND (\(agentID)::text IS NULL OR (agent_id = \(agentID) AND is_active)) ORDER BY created_at, id
            """, logger: logger
        ).all(Self.secret)
    }

    public func secretGet(tenantID: String, agentID: String, idOrKey: String) async throws -> AgentSecret? {
        try await query(
            """
            SELECT \(unescaped: Self.secretColumns) FROM agent_secrets
            WHERE tenant_id = \(tenantID) AND agent_id = \(agentID) AND (id = \(idOrKey) OR (key = \(idOrKey) AND is_active))
            ORDER BY id = \(idOrKey) DESC LIMIT 1
            """, logger: logger
        ).first(Self.secret)
    }

    public func secretUpdate(id: String, ciphertext: String?, keyID: String?, description: String??) async throws {
        if let ciphertext, let keyID {
            _ = try await query(
                "UPDATE agent_secrets SET ciphertext = \(ciphertext), key_id = \(keyID), updated_at = now() WHERE id = \(id)", logger: logger)
        }
        if let description {
            _ = try await query("UPDATE agent_secrets SET description = \(description), updated_at = now() WHERE id = \(id)", logger: logger)
        }
    }

    public func secretDeactivate(tenantID: String, id: String) async throws -> Bool {
        try await query(
            """
            UPDATE agent_secrets SET is_active = false, updated_at = now()
            WHERE id = \(id) AND tenant_id = \(tenantID) AND is_active RETURNING id
            """, logger: logger
        ).first { try $0.decode(String.self) } != nil
    }

    static let secretColumns = "id, tenant_id, agent_id, key, description, ciphertext, key_id, is_active, created_at, updated_at"

    static func secret(_ row: PostgresRow) throws -> AgentSecret {
        let (id, tenant, agent, key, description, ciphertext, keyID, active, created, updated) = try row.decode(
            (String, String, String, String, String?, String, String, Bool, Date, Date).self)
        return AgentSecret(
            id: id, tenantID: tenant, agentID: agent, key: key, description: description, ciphertext: ciphertext, keyID: keyID,
            isActive: active, createdAt: created, updatedAt: updated)
    }
}
