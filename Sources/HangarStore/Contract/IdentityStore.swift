import Foundation
public import HangarCore

/// Tenants and API keys: who may call.
public protocol IdentityStore: Sendable {
    /// Creates the tenant if it does not exist (fairness and quotas are per tenant).
    func tenantUpsert(id: String, name: String) async throws
    func tenantList() async throws -> [TenantRecord]

    func apiKeyInsert(_ key: APIKey) async throws
    /// By id, revoked or not (the caller checks), in any tenant: authentication needs it.
    func apiKeyGet(id: String) async throws -> APIKey?
    func apiKeyList(tenantID: String?) async throws -> [APIKey]
    /// Returns `false` when no such live key exists in the tenant.
    func apiKeyRevoke(tenantID: String, id: String) async throws -> Bool
    func apiKeyTouch(id: String, at: Date) async throws
    func apiKeyCount() async throws -> Int
}

/// The audit log: what callers changed.
public protocol AuditStore: Sendable {
    func auditAppend(_ entry: AuditEntry) async throws
    /// Newest first.
    func auditList(tenantID: String, action: String?, limit: Int, offset: Int) async throws -> [AuditEntry]
}
