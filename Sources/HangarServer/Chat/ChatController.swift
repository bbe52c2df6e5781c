import Foundation
import HangarAgents
import HangarCore
import HangarStore
import HTTPTypes
import Hummingbird

/// `/api/v1/chat`: persisted chat sessions with a model (seed 004 "LLM Chat System
/// Endpoints"). Sessions belong to the caller's tenant; another tenant's are 404. Sending a
/// message is in `ChatController+Send.swift`.
struct ChatController {
    let store: any AgentStore & ChatStore & UsageStore
    let models: ModelCatalog
    let configuration: ServerConfiguration

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.post("/api/v1/chat/sessions", use: create)
        router.get("/api/v1/chat/sessions", use: list)
        router.get("/api/v1/chat/sessions/{session_id}", use: get)
        router.delete("/api/v1/chat/sessions/{session_id}", use: delete)
        router.get("/api/v1/chat/sessions/{session_id}/messages", use: messages)
        router.post("/api/v1/chat/sessions/{session_id}/messages", use: send)
        router.put("/api/v1/chat/sessions/{session_id}/status", use: status)
        router.get("/api/v1/chat/sessions/{session_id}/stats", use: stats)
        router.get("/api/v1/chat/templates", use: templates)
        router.get("/api/v1/chat/models", use: availableModels)
    }

    /// Config keys Hangar reads itself; the rest of `config` goes to the provider as options.
    static let sessionConfigKeys: Set<String> = ["template", "temperature", "max_tokens", "context_tokens", "custom_parameters"]

    /// A session's fields. `user_id` (seed 004's wizard sends it) is accepted and not used:
    /// the session belongs to the authenticated caller.
    static let createFields: Set<String> = ["model", "model_name", "config", "agent_id", "title", "session_type", "system_prompt", "user_id"]

    @Sendable func create(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: Self.createFields, allowEmpty: true)
        let modelField = body.has("model") ? "model" : "model_name"
        guard let requested = try body.string(modelField, maxLength: 256) ?? configuration.chatDefaultModel else {
            throw APIError.invalid(
                modelField, "is required (no default chat model is set: HANGAR_CHAT_DEFAULT_MODEL): provider/model, such as ollama/llama3.2 (mock/echo answers with the input, for tests)")
        }
        guard !requested.isEmpty else { throw APIError.invalid(modelField, "must not be empty") }
        if let problem = models.providers.problem(with: requested) { throw APIError.invalid(modelField, problem) }
        // Stored qualified: a later change of the default provider does not move the session.
        let (providerName, modelName) = models.providers.split(requested)
        var config = try body.object("config")?.objectValue ?? [:]
        var template: ChatTemplate?
        if let value = config["template"], value != .null {
            guard let id = value.stringValue, let found = ChatTemplate.named(id) else {
                throw APIError.invalid(
                    "config.template", "unknown template; built-in templates are \(ChatTemplate.builtIn.map(\.id).joined(separator: ", "))")
            }
            template = found
            for (key, suggested) in found.suggestedConfig.objectValue ?? [:] where config[key] == nil { config[key] = suggested }
        }
        let settings = JSONBody(fields: config)
        _ = try settings.double("temperature", in: 0...2, prefix: "config.")
        _ = try settings.int("max_tokens", in: 1...10_000_000, prefix: "config.")
        _ = try settings.int("context_tokens", in: 1...10_000_000, prefix: "config.")

        var agentID: String?
        if let reference = try body.string("agent_id", maxLength: 256) {
            guard let agent = try await store.agentGet(tenantID: context.tenantID, idOrName: reference) else {
                throw APIError(.notFound, "agent '\(reference)' not found", field: "agent_id")
            }
            agentID = agent.id
        }
        let session = try await store.chatSessionInsert(
            ChatSessionInsertParams(
                tenantID: context.tenantID, agentID: agentID, title: try body.string("title", maxLength: 500),
                sessionType: try body.string("session_type", maxLength: 64) ?? template?.sessionType ?? "general",
                model: "\(providerName)/\(modelName)",
                systemPrompt: try body.string("system_prompt", maxLength: 100_000) ?? template?.systemPrompt, config: .object(config),
                createdBy: context.actor))
        return JSONResponse.make(ChatRepresentation.json(session), status: .created, headers: [.location: "/api/v1/chat/sessions/\(session.id)"])
    }

    /// Seed 004's bare array, the total in `X-Total-Count`; `?envelope=true` gives Hangar's page
    /// object (`sessions`, `total`, `limit`, `offset`).
    @Sendable func list(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let query = Query(request)
        let envelope = try query.bool("envelope", default: false)
        var status: ChatSessionRecord.Status?
        if let name = query.string("status") {
            guard let value = ChatSessionRecord.Status(rawValue: name) else { throw Self.invalidStatus("status") }
            status = value
        }
        let limit = try query.int("limit", in: 1...1000, default: 50)
        let offset = try query.int("offset", in: 0...10_000_000, default: 0)
        let (sessions, total) = try await store.chatSessionList(
            ChatSessionListParams(tenantID: context.tenantID, status: status, sessionType: query.string("session_type"), limit: limit, offset: offset))
        let items = JSONValue.array(sessions.map(ChatRepresentation.json))
        guard envelope else { return JSONResponse.make(items, headers: [Self.totalCount: String(total)]) }
        return JSONResponse.make(["sessions": items, "total": .int(Int64(total)), "limit": .int(Int64(limit)), "offset": .int(Int64(offset))])
    }

    static let totalCount = HTTPField.Name("X-Total-Count")!

    @Sendable func get(_ request: Request, context: HangarRequestContext) async throws -> Response {
        JSONResponse.make(ChatRepresentation.json(try await session(context)))
    }

    @Sendable func delete(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("session_id")
        guard try await store.chatSessionDelete(tenantID: context.tenantID, id: id) else { throw APIError.notFound("chat session", id) }
        return JSONResponse.make(["id": .string(id), "session_id": .string(id), "deleted": true])
    }

    /// Oldest first: the newest `limit` (default 100), or a page `before` / `after` a `seq`.
    /// Seed 004's bare array; `?envelope=true` adds `session_id` and `message_count` around it.
    @Sendable func messages(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let session = try await session(context)
        let query = Query(request)
        let envelope = try query.bool("envelope", default: false)
        let limit = try query.int("limit", in: 1...1000, default: 100)
        var before: Int64?
        var after: Int64?
        if query.string("before") != nil { before = Int64(try query.int("before", in: 1...Int(Int32.max), default: 1)) }
        if query.string("after") != nil { after = Int64(try query.int("after", in: 0...Int(Int32.max), default: 0)) }
        if before != nil, after != nil { throw APIError.invalid("after", "give either before or after, not both") }
        let messages = try await store.chatMessageList(
            ChatMessageListParams(tenantID: context.tenantID, sessionID: session.id, afterSeq: after, beforeSeq: before, limit: limit))
        let items = JSONValue.array(messages.map(ChatRepresentation.json))
        guard envelope else { return JSONResponse.make(items, headers: [Self.totalCount: String(session.messageCount)]) }
        return JSONResponse.make(["session_id": .string(session.id), "messages": items, "message_count": .int(Int64(session.messageCount))])
    }

    /// `active`, `paused`, `archived` or `completed`; only an active session takes messages.
    @Sendable func status(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("session_id")
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: ["status"])
        guard let name = try body.string("status", maxLength: 32), let status = ChatSessionRecord.Status(rawValue: name) else {
            throw Self.invalidStatus("status")
        }
        guard let session = try await store.chatSessionUpdateStatus(tenantID: context.tenantID, id: id, status: status) else {
            throw APIError.notFound("chat session", id)
        }
        return JSONResponse.make(ChatRepresentation.json(session))
    }

    @Sendable func stats(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let session = try await session(context)
        let messages = try await store.chatMessageList(
            ChatMessageListParams(tenantID: context.tenantID, sessionID: session.id, limit: max(1, session.messageCount)))
        return JSONResponse.make(ChatMetrics.stats(session, messages: messages))
    }

    @Sendable func templates(_ request: Request, context: HangarRequestContext) async throws -> Response {
        JSONResponse.make(["templates": .array(ChatTemplate.builtIn.map(\.json))])
    }

    /// Every configured provider's models; a provider that cannot list them is named in `errors`.
    @Sendable func availableModels(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let (available, errors) = await models.providers.availableModels()
        let list: [JSONValue] = available.map { model in
            [
                "id": .string(model.id), "provider": .string(model.provider), "name": .string(model.name),
                "capabilities": .array(model.capabilities.map(JSONValue.string)),
                "size_bytes": model.sizeBytes.map(JSONValue.int) ?? .null,
                "context_length": model.contextLength.map { .int(Int64($0)) } ?? .null,
                "modified_at": model.modifiedAt.map(JSONValue.string) ?? .null,
            ]
        }
        return JSONResponse.make([
            "models": .array(list), "errors": .object(errors.mapValues(JSONValue.string)),
            "default_model": configuration.chatDefaultModel.map(JSONValue.string) ?? .null, "providers": .array(models.providers.names.map(JSONValue.string)),
        ])
    }

    func session(_ context: HangarRequestContext) async throws -> ChatSessionRecord {
        let id = try context.parameters.decoded("session_id")
        guard let session = try await store.chatSessionGet(tenantID: context.tenantID, id: id) else { throw APIError.notFound("chat session", id) }
        return session
    }

    static func invalidStatus(_ field: String) -> APIError {
        APIError.invalid(field, "must be one of \(ChatSessionRecord.Status.allCases.map(\.rawValue).joined(separator: ", "))")
    }
}
