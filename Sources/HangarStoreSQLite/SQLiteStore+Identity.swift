import Foundation
import GRDB
public import HangarCore
import HangarStore

extension SQLiteStore {
    public func tenantList() async throws -> [TenantRecord] {
        try await read { db in
            try Row.fetchAll(db, cached: "SELECT id, name, created_at FROM tenants ORDER BY created_at, id").map {
                TenantRecord(id: $0[0], name: $0[1], createdAt: Date(sqlite: $0[2]))
            }
        }
    }

    public func apiKeyInsert(_ key: APIKey) async throws {
        try await write { db, _ in
            try db.execute(
                cached: """
                    INSERT INTO api_keys (id, tenant_id, name, role, secret_hash, created_at, last_used_at, revoked_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key.id, key.tenantID, key.name, key.role.rawValue, key.secretHash, key.createdAt.sqlite,
                    key.lastUsedAt?.sqlite, key.revokedAt?.sqlite,
                ])
        }
    }

    public func apiKeyGet(id: String) async throws -> APIKey? {
        try await read { db in
            try Row.fetchOne(db, cached: "SELECT \(Self.keyColumns) FROM api_keys WHERE id = ?", arguments: [id]).map(Self.key)
        }
    }

    public func apiKeyList(tenantID: String?) async throws -> [APIKey] {
        try await read { db in
            try Row.fetchAll(
                db, cached: "SELECT \(Self.keyColumns) FROM api_keys WHERE (? IS NULL OR tenant_id = ?) ORDER BY created_at, id",
                arguments: [tenantID, tenantID]
            ).map(Self.key)
        }
    }

    public func apiKeyRevoke(tenantID: String, id: String) async throws -> Bool {
        let now = Date()
        return try await write { db, _ in
            try db.execute(
                cached: "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL",
                arguments: [now.sqlite, id, tenantID])
            return db.changesCount == 1
        }
    }

    public func apiKeyTouch(id: String, at: Date) async throws {
        try await write { db, _ in
            try db.execute(cached: "UPDATE api_keys SET last_used_at = ? WHERE id = ?", arguments: [at.sqlite, id])
        }
    }

    public func apiKeyCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, cached: "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL") ?? 0 }
    }

    public func auditAppend(_ entry: AuditEntry) async throws {
        try await write { db, _ in
            try db.execute(
                cached: """
                    INSERT INTO audit_log (id, tenant_id, actor, action, resource_type, resource_id, details, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entry.id, entry.tenantID, entry.actor, entry.action, entry.resourceType, entry.resourceID,
                    JSONText.encode(entry.details), entry.createdAt.sqlite,
                ])
        }
    }

    public func auditList(tenantID: String, action: String?, limit: Int, offset: Int) async throws -> [AuditEntry] {
        try await read { db in
            try Row.fetchAll(
                db,
                cached: """
                    SELECT id, tenant_id, actor, action, resource_type, resource_id, details, created_at FROM audit_log
                    WHERE tenant_id = ? AND (? IS NULL OR action = ?) ORDER BY seq DESC LIMIT ? OFFSET ?
                    """,
                arguments: [tenantID, action, action, limit, offset]
            ).map { row in
                AuditEntry(
                    id: row[0], tenantID: row[1], actor: row[2], action: row[3], resourceType: row[4], resourceID: row[5],
                    details: JSONText.decodeOrNull(row[6]) ?? .emptyObject, createdAt: Date(sqlite: row[7]))
            }
        }
    }

    static let keyColumns = "id, tenant_id, name, role, secret_hash, created_at, last_used_at, revoked_at"

    static func key(_ row: Row) -> APIKey {
        APIKey(
            id: row[0], tenantID: row[1], name: row[2], role: Role(rawValue: row[3]) ?? .viewer, secretHash: row[4],
            createdAt: Date(sqlite: row[5]), lastUsedAt: (row[6] as Double?).map(Date.init(sqlite:)),
            revokedAt: (row[7] as Double?).map(Date.init(sqlite:)))
    }
}
