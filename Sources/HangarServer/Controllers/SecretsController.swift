import Foundation
import HangarAuth
import HangarCore
import HangarStore
import Hummingbird

/// `/api/v1/agents/{agent_id}/secrets` (seed 004 "Secrets Management"). Values are encrypted
/// before they reach the store and appear only in the two decrypting reads, which need the
/// operator role and are written to the audit log.
struct SecretsController {
    let store: any AgentStore & SecretStore & AuditStore
    let vault: SecretBox
    let configuration: ServerConfiguration

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.post("/api/v1/agents/{agent_id}/secrets", use: create)
        router.get("/api/v1/agents/{agent_id}/secrets", use: list)
        router.get("/api/v1/agents/{agent_id}/secrets/{secret_id}", use: get)
        router.put("/api/v1/agents/{agent_id}/secrets/{secret_id}", use: update)
        router.delete("/api/v1/agents/{agent_id}/secrets/{secret_id}", use: delete)
        router.get("/api/v1/agents/{agent_id}/secrets/{secret_id}/value", use: value)
    }

    @Sendable func create(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let agent = try await agent(context)
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: Self.fields)
        let secret = try await Self.store(
            body.fields, agent: agent, vault: vault, store: store, field: "")
        await AuditLog.record(store, context, action: "secret.create", resourceType: "secret", resourceID: secret.id, details: ["agent_id": .string(agent.id), "secret_key": .string(secret.key)])
        return JSONResponse.make(Self.json(secret), status: .created)
    }

    /// Never with values: `?decrypt=true` here is refused rather than ignored (one audited read
    /// per secret is `GET …/secrets/{secret_id}?decrypt=true`).
    @Sendable func list(_ request: Request, context: HangarRequestContext) async throws -> Response {
        if try Query(request).bool("decrypt", default: false) {
            throw APIError.invalid(
                "decrypt", "lists never carry values; decrypt one secret with GET /api/v1/agents/{agent_id}/secrets/{secret_id}?decrypt=true")
        }
        let agent = try await agent(context)
        return JSONResponse.make(.array(try await store.secretList(tenantID: context.tenantID, agentID: agent.id).map { Self.json($0) }))
    }

    /// `?decrypt=true` adds `decrypted_value` (operator role; audited).
    @Sendable func get(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let secret = try await secret(context, parameter: "secret_id")
        guard try Query(request).bool("decrypt", default: false) else { return JSONResponse.make(Self.json(secret, ciphertext: true)) }
        let plaintext = try await reveal(secret, context)
        var json = Self.json(secret, ciphertext: true)
        if case .object(var fields) = json {
            fields["decrypted_value"] = .string(plaintext)
            json = .object(fields)
        }
        return JSONResponse.make(json)
    }

    @Sendable func update(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let secret = try await secret(context, parameter: "secret_id")
        guard secret.isActive else { throw APIError(.conflict, "secret '\(secret.id)' was deleted") }
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: ["secret_value", "value", "description"])
        let value = try body.string("secret_value", maxLength: 65_536) ?? body.string("value", maxLength: 65_536)
        let description: String?? = body.has("description") ? .some(try body.string("description", maxLength: 1000)) : .none
        try await store.secretUpdate(id: secret.id, ciphertext: try value.map(vault.seal), keyID: value == nil ? nil : vault.keyID, description: description)
        await AuditLog.record(store, context, action: "secret.update", resourceType: "secret", resourceID: secret.id, details: ["value_changed": .bool(value != nil)])
        let updated = try await store.secretGet(tenantID: context.tenantID, agentID: secret.agentID, idOrKey: secret.id) ?? secret
        return JSONResponse.make(Self.json(updated))
    }

    @Sendable func delete(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let secret = try await secret(context, parameter: "secret_id")
        guard try await store.secretDeactivate(tenantID: context.tenantID, id: secret.id) else {
            throw APIError(.conflict, "secret '\(secret.id)' was already deleted")
        }
        await AuditLog.record(store, context, action: "secret.delete", resourceType: "secret", resourceID: secret.id)
        return JSONResponse.make(["id": .string(secret.id), "is_active": false])
    }

    /// Seed 004: `{"secret_key": …, "value": …}` for agent execution.
    @Sendable func value(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let secret = try await secret(context, parameter: "secret_id")
        guard secret.isActive else { throw APIError.notFound("secret", secret.key) }
        return JSONResponse.make(["secret_key": .string(secret.key), "value": .string(try await reveal(secret, context))])
    }

    private func reveal(_ secret: AgentSecret, _ context: HangarRequestContext) async throws -> String {
        guard let role = context.principal?.role, role >= .operator else {
            throw APIError(.forbidden, "decrypting a secret requires the operator role")
        }
        let plaintext = try vault.open(secret.ciphertext, keyID: secret.keyID)
        await AuditLog.record(store, context, action: "secret.read", resourceType: "secret", resourceID: secret.id, details: ["agent_id": .string(secret.agentID), "secret_key": .string(secret.key)])
        return plaintext
    }

    private func agent(_ context: HangarRequestContext) async throws -> Agent {
        let reference = try context.parameters.decoded("agent_id")
        guard let agent = try await store.agentGet(tenantID: context.tenantID, idOrName: reference) else { throw APIError.notFound("agent", reference) }
        return agent
    }

    private func secret(_ context: HangarRequestContext, parameter: String) async throws -> AgentSecret {
        let agent = try await agent(context)
        let reference = try context.parameters.decoded(parameter)
        guard let secret = try await store.secretGet(tenantID: context.tenantID, agentID: agent.id, idOrKey: reference) else {
            throw APIError.notFound("secret", reference)
        }
        return secret
    }

    /// A secret's fields: seed 004 spells key and value both ways.
    static let fields: Set<String> = ["key", "secret_key", "value", "secret_value", "description"]

    /// Validates and stores one secret: `secret_key`/`key`, `secret_value`/`value`, `description`.
    static func store(_ fields: [String: JSONValue], agent: Agent, vault: SecretBox, store: any AgentStore & SecretStore, field: String) async throws -> AgentSecret {
        let body = JSONBody(fields: fields)
        try body.requireKnown(Self.fields, prefix: field)
        let keyField = body.has("secret_key") ? "secret_key" : "key"
        let valueField = body.has("secret_value") ? "secret_value" : "value"
        guard let key = try body.string(keyField, maxLength: 128, prefix: field), !key.isEmpty,
            key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." })
        else {
            throw APIError.invalid(field + "secret_key", "is required: 1-128 letters, digits, '_', '-' or '.'")
        }
        guard let value = try body.string(valueField, maxLength: 65_536, prefix: field) else {
            throw APIError.invalid(field + "secret_value", "is required (a string of at most 64 KiB)")
        }
        let now = Date()
        let secret = AgentSecret(
            id: Identifier.make(now: now), tenantID: agent.tenantID, agentID: agent.id, key: key,
            description: try body.string("description", maxLength: 1000, prefix: field), ciphertext: try vault.seal(value), keyID: vault.keyID,
            createdAt: now, updatedAt: now)
        try await store.secretInsert(secret)
        return secret
    }

    static func json(_ secret: AgentSecret, ciphertext: Bool = false) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": .string(secret.id), "agent_id": .string(secret.agentID), "secret_key": .string(secret.key),
            "description": secret.description.map(JSONValue.string) ?? .null, "is_active": .bool(secret.isActive),
            "created_at": .string(Timestamp.format(secret.createdAt)), "updated_at": .string(Timestamp.format(secret.updatedAt)),
        ]
        if ciphertext { fields["encrypted_value"] = .string(secret.ciphertext) }
        return .object(fields)
    }
}
