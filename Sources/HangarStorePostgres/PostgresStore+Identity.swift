import Foundation
public import HangarCore
import HangarStore
import PostgresNIO

extension PostgresStore {
    public func tenantList() async throws -> [TenantRecord] {
        try await query("SELECT id, name, created_at FROM tenants ORDER BY created_at, id", logger: logger).all { row in
            let (id, name, created) = try row.decode((String, String, Date).self)
            return TenantRecord(id: id, name: name, createdAt: created)
        }
    }

    public func apiKeyInsert(_ key: APIKey) async throws {
        _ = try await query(
            """
            INSERT INTO api_keys (id, tenant_id, name, role, secret_hash, created_at, last_used_at, revoked_at)
            VALUES (\(key.id), \(key.tenantID), \(key.name), \(key.role.rawValue), \(key.secretHash), \(key.createdAt),
                \(key.lastUsedAt), \(key.revokedAt))
            """, logger: logger)
    }

    public func apiKeyGet(id: String) async throws -> APIKey? {
        try await query("SELECT \(unescaped: Self.keyColumns) FROM api_keys WHERE id = \(id)", logger: logger).first(Self.key)
    }

    public func apiKeyList(tenantID: String?) async throws -> [APIKey] {
        try await query(
            """
            SELECT \(unescaped: Self.keyColumns) FROM api_keys
            WHERE (\(tenantID)::text IS NULL OR tenant_id = \(tenantID)) ORDER BY created_at, id
            """, logger: logger
        ).all(Self.key)
    }

    public func apiKeyRevoke(tenantID: String, id: String) async throws -> Bool {
        try await query(
            """
            UPDATE api_keys SET revoked_at = now() WHERE id = \(id) AND tenant_id = \(tenantID) AND revoked_at IS NULL RETURNING id
            """, logger: logger
        ).first { try $0.decode(String.self) } != nil
    }

    public func apiKeyTouch(id: String, at: Date) async throws {
        _ = try await query("UPDATE api_keys SET last_used_at = \(at) WHERE id = \(id)", logger: logger)
    }

    public func apiKeyCount() async throws -> Int {
        try await query("SELECT count(*)::bigint FROM api_keys WHERE revoked_at IS NULL", logger: logger).first { try $0.decode(Int.self) } ?? 0
    }

    public func auditAppend(_ entry: AuditEntry) async throws {
        _ = try await query(
            """
            INSERT INTO audit_log (id, tenant_id, actor, action, resource_type, resource_id, details, created_at)
            VALUES (\(entry.id), \(entry.tenantID), \(entry.actor), \(entry.action), \(entry.resourceType), \(entry.resourceID),
                \(JSONText.encode(entry.details))::jsonb, \(entry.createdAt))
            """, logger: logger)
    }

    public func auditList(tenantID: String, action: String?, limit: Int, offset: Int) async throws -> [AuditEntry] {
        try await query(
            """
            SELECT id, tenant_id, actor, action, resource_type, resource_id, details::text, created_at FROM audit_log
            WHERE tenant_id = \(tenantID) AND (\(action)::text IS NULL OR action = \(action))
            ORDER BY seq DESC LIMIT \(limit) OFFSET \(offset)
            """, logger: logger
        ).all { row in
            let (id, tenant, actor, action, type, resource, details, created) = try row.decode(
                (String, String, String, String, String, String?, String, Date).self)
            return AuditEntry(
                id: id, tenantID: tenant, actor: actor, action: action, resourceType: type, resourceID: resource,
                details: JSONText.decodeOrNull(details) ?? .emptyObject, createdAt: created)
        }
    }

    static let keyColumns = "id, tenant_id, name, role, secret_hash, created_at, last_used_at, revoked_at"

    static func key(_ row: PostgresRow) throws -> APIKey {
        let (id, tenant, name, role, hash, created, used, revoked) = try row.decode(
            (String, String, String, String, String, Date, Date?, Date?).self)
        return APIKey(
            id: id, tenantID: tenant, name: name, role: Role(rawValue: role) ?? .viewer, secretHash: hash, createdAt: created,
            lastUsedAt: used, revokedAt: revoked)
    }
}
