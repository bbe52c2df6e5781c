import Foundation
import HangarAuth
import HangarCore
import HangarStore
import Hummingbird

/// API keys, tenants, the audit log, and `whoami`.
struct AccessController {
    let store: any IdentityStore & AuditStore
    let authenticator: Authenticator
    let configuration: ServerConfiguration

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.get("/api/v1/auth/whoami", use: whoami)
        router.get("/api/v1/keys", use: listKeys)
        router.post("/api/v1/keys", use: createKey)
        router.delete("/api/v1/keys/{key_id}", use: revokeKey)
        router.get("/api/v1/tenants", use: listTenants)
        router.post("/api/v1/tenants", use: createTenant)
        router.get("/api/v1/audit", use: audit)
    }

    @Sendable func whoami(_ request: Request, context: HangarRequestContext) async throws -> Response {
        JSONResponse.make([
            "tenant_id": .string(context.tenantID), "role": .string(context.principal?.role.rawValue ?? "viewer"),
            "subject": .string(context.actor),
        ])
    }

    @Sendable func listKeys(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let tenant = try targetTenant(Query(request).string("tenant_id"), context)
        return JSONResponse.make(.array(try await store.apiKeyList(tenantID: tenant).map(Self.json)))
    }

    /// The key itself is in this response only; Hangar keeps a hash.
    @Sendable func createKey(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: ["name", "role", "tenant_id"])
        guard let name = try body.string("name", maxLength: 128)?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
            throw APIError.invalid("name", "is required (1-128 characters)")
        }
        let roleName = try body.string("role", maxLength: 16) ?? Role.viewer.rawValue
        guard let role = Role(rawValue: roleName) else { throw APIError.invalid("role", "must be viewer, operator or admin") }
        let tenant = try targetTenant(try body.string("tenant_id", maxLength: 64), context)
        guard try await store.tenantList().contains(where: { $0.id == tenant }) else { throw APIError.notFound("tenant", tenant) }
        let (id, secret, token) = APIKeyToken.generate()
        let key = APIKey(id: id, tenantID: tenant, name: name, role: role, secretHash: APIKeyToken.hash(secret), createdAt: Date())
        try await store.apiKeyInsert(key)
        await AuditLog.record(store, context, action: "key.create", resourceType: "api_key", resourceID: id, details: ["role": .string(role.rawValue), "tenant_id": .string(tenant)])
        var json = Self.json(key)
        if case .object(var fields) = json {
            fields["key"] = .string(token)
            json = .object(fields)
        }
        return JSONResponse.make(json, status: .created)
    }

    @Sendable func revokeKey(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("key_id")
        // Admins revoke their own tenant's keys; the system admin any key.
        guard let key = try await store.apiKeyGet(id: id), key.tenantID == context.tenantID || context.principal?.isSystemAdmin == true else {
            throw APIError.notFound("api key", id)
        }
        guard try await store.apiKeyRevoke(tenantID: key.tenantID, id: id) else { throw APIError(.conflict, "api key '\(id)' is already revoked") }
        authenticator.invalidate(keyID: id)
        await AuditLog.record(store, context, action: "key.revoke", resourceType: "api_key", resourceID: id)
        return JSONResponse.make(["id": .string(id), "revoked": true])
    }

    @Sendable func listTenants(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let tenants = try await store.tenantList()
        return JSONResponse.make(.array(tenants.map { ["id": .string($0.id), "name": .string($0.name), "created_at": .string(Timestamp.format($0.createdAt))] }))
    }

    @Sendable func createTenant(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: ["id", "name"])
        guard let id = try body.string("id", maxLength: 64), !id.isEmpty,
            id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw APIError.invalid("id", "is required: 1-64 of a-z, 0-9, '-' and '_'")
        }
        let name = try body.string("name", maxLength: 256) ?? id
        guard try await !store.tenantList().contains(where: { $0.id == id }) else { throw APIError(.conflict, "tenant '\(id)' already exists", field: "id") }
        try await store.tenantUpsert(id: id, name: name)
        await AuditLog.record(store, context, action: "tenant.create", resourceType: "tenant", resourceID: id)
        return JSONResponse.make(["id": .string(id), "name": .string(name)], status: .created)
    }

    @Sendable func audit(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let query = Query(request)
        let entries = try await store.auditList(
            tenantID: context.tenantID, action: query.string("action"), limit: try query.int("limit", in: 1...1000, default: 100),
            offset: try query.int("offset", in: 0...10_000_000, default: 0))
        return JSONResponse.make(.array(entries.map { entry in
            [
                "id": .string(entry.id), "actor": .string(entry.actor), "action": .string(entry.action),
                "resource_type": .string(entry.resourceType), "resource_id": entry.resourceID.map(JSONValue.string) ?? .null,
                "details": entry.details, "created_at": .string(Timestamp.format(entry.createdAt)),
            ]
        }))
    }

    /// Another tenant may be named only by the system admin; anyone else gets their own.
    private func targetTenant(_ requested: String?, _ context: HangarRequestContext) throws -> String {
        guard let requested, requested != context.tenantID else { return context.tenantID }
        guard context.principal?.isSystemAdmin == true else { throw APIError.notFound("tenant", requested) }
        return requested
    }

    static func json(_ key: APIKey) -> JSONValue {
        [
            "id": .string(key.id), "tenant_id": .string(key.tenantID), "name": .string(key.name), "role": .string(key.role.rawValue),
            "prefix": .string("\(APIKeyToken.prefix)\(key.id)_"), "created_at": .string(Timestamp.format(key.createdAt)),
            "last_used_at": key.lastUsedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "revoked_at": key.revokedAt.map { .string(Timestamp.format($0)) } ?? .null,
        ]
    }
}
