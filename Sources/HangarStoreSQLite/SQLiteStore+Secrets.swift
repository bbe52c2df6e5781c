import Foundation
import GRDB
public import HangarCore
import HangarStore

extension SQLiteStore {
    public func secretInsert(_ secret: AgentSecret) async throws {
        try await write { db, _ in
            do {
                try db.execute(
                    cached: """
                        INSERT INTO agent_secrets (id, tenant_id, agent_id, key, description, ciphertext, key_id, is_active, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
                        """,
                    arguments: [
                        secret.id, secret.tenantID, secret.agentID, secret.key, secret.description, secret.ciphertext, secret.keyID,
                        secret.createdAt.sqlite, secret.updatedAt.sqlite,
                    ])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw HangarError.conflict("the agent already has a secret named '\(secret.key)'")
            }
        }
    }

    public func secretList(tenantID: String?, agentID: String?) async throws -> [AgentSecret] {
        try await read { db in
            try Row.fetchAll(
                db,
                cached: """
                    SELECT \(Self.secretColumns) FROM agent_secrets
                    WHERE (? IS NULL OR tenant_id = ?) AND (? IS NULL OR (agent_id = ? AND is_active = 1)) ORDER BY created_at, id
                    """,
                arguments: [tenantID, tenantID, agentID, agentID]
            ).map(Self.secret)
        }
    }

    public func secretGet(tenantID: String, agentID: String, idOrKey: String) async throws -> AgentSecret? {
        try await read { db in
            try Row.fetchOne(
                db,
                cached: """
                    SELECT \(Self.secretColumns) FROM agent_secrets
                    WHERE tenant_id = ? AND agent_id = ? AND (id = ? OR (key = ? AND is_active = 1)) ORDER BY id = ? DESC LIMIT 1
                    """,
                arguments: [tenantID, agentID, idOrKey, idOrKey, idOrKey]
            ).map(Self.secret)
        }
    }

    public func secretUpdate(id: String, ciphertext: String?, keyID: String?, description: String??) async throws {
        let now = Date()
        try await write { db, _ in
            if let ciphertext, let keyID {
                try db.execute(cached: "UPDATE agent_secrets SET ciphertext = ?, key_id = ?, updated_at = ? WHERE id = ?", arguments: [ciphertext, keyID, now.sqlite, id])
            }
            if let description {
                try db.execute(cached: "UPDATE agent_secrets SET description = ?, updated_at = ? WHERE id = ?", arguments: [description, now.sqlite, id])
            }
        }
    }

    public func secretDeactivate(tenantID: String, id: String) async throws -> Bool {
        let now = Date()
        return try await write { db, _ in
            try db.execute(
                cached: "UPDATE agent_secrets SET is_active = 0, updated_at = ? WHERE id = ? AND tenant_id = ? AND is_active = 1",
                arguments: [now.sqlite, id, tenantID])
            return db.changesCount == 1
        }
    }

    static let secretColumns = "id, tenant_id, agent_id, key, description, ciphertext, key_id, is_active, created_at, updated_at"

    static func secret(_ row: Row) -> AgentSecret {
        AgentSecret(
            id: row[0], tenantID: row[1], agentID: row[2], key: row[3], description: row[4], ciphertext: row[5], keyID: row[6],
            isActive: row[7], createdAt: Date(sqlite: row[8]), updatedAt: Date(sqlite: row[9]))
    }
}
