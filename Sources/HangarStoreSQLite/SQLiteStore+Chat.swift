import Foundation
import GRDB
public import HangarCore
public import HangarStore

extension SQLiteStore {
    public func chatSessionInsert(_ params: ChatSessionInsertParams) async throws -> ChatSessionRecord {
        let now = Date()
        let session = ChatSessionRecord(
            id: Identifier.make(now: now), tenantID: params.tenantID, agentID: params.agentID, title: params.title,
            sessionType: params.sessionType, model: params.model, systemPrompt: params.systemPrompt, config: params.config,
            createdBy: params.createdBy, createdAt: now, updatedAt: now)
        try await write { db, _ in
            try db.execute(
                cached: """
                    INSERT INTO chat_sessions (id, tenant_id, agent_id, title, session_type, model, system_prompt, config, status, created_by,
                        message_count, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
                    """,
                arguments: [
                    session.id, session.tenantID, session.agentID, session.title, session.sessionType, session.model, session.systemPrompt,
                    JSONText.encode(session.config), session.status.rawValue, session.createdBy, now.sqlite, now.sqlite,
                ])
        }
        return session
    }

    public func chatSessionGet(tenantID: String, id: String) async throws -> ChatSessionRecord? {
        try await read { db in try Self.chatSession(db, tenantID: tenantID, id: id) }
    }

    public func chatSessionList(_ params: ChatSessionListParams) async throws -> (sessions: [ChatSessionRecord], total: Int) {
        let status = params.status?.rawValue
        let arguments: StatementArguments = [params.tenantID, status, status, params.sessionType, params.sessionType]
        let filter = "WHERE tenant_id = ? AND (? IS NULL OR status = ?) AND (? IS NULL OR session_type = ?)"
        return try await read { db in
            let rows = try Row.fetchAll(
                db, cached: "SELECT \(Self.chatSessionColumns) FROM chat_sessions \(filter) ORDER BY seq DESC LIMIT ? OFFSET ?",
                arguments: arguments + [params.limit, params.offset])
            let total = try Int.fetchOne(db, cached: "SELECT count(*) FROM chat_sessions \(filter)", arguments: arguments) ?? 0
            return (rows.map(Self.chatSession), total)
        }
    }

    public func chatSessionUpdateStatus(tenantID: String, id: String, status: ChatSessionRecord.Status) async throws -> ChatSessionRecord? {
        let now = Date()
        return try await write { db, _ in
            try db.execute(
                cached: "UPDATE chat_sessions SET status = ?, updated_at = ? WHERE tenant_id = ? AND id = ?",
                arguments: [status.rawValue, now.sqlite, tenantID, id])
            return try Self.chatSession(db, tenantID: tenantID, id: id)
        }
    }

    public func chatSessionDelete(tenantID: String, id: String) async throws -> Bool {
        try await write { db, _ in
            try db.execute(cached: "DELETE FROM chat_sessions WHERE tenant_id = ? AND id = ?", arguments: [tenantID, id])
            guard db.changesCount == 1 else { return false }
            try db.execute(cached: "DELETE FROM chat_messages WHERE session_id = ?", arguments: [id])
            return true
        }
    }

    public func chatMessageAppend(_ params: ChatMessageAppendParams) async throws -> ChatMessageRecord {
        let now = Date()
        return try await write { db, _ in
            guard
                let row = try Row.fetchOne(
                    db, cached: "SELECT status, message_count FROM chat_sessions WHERE tenant_id = ? AND id = ?",
                    arguments: [params.tenantID, params.sessionID])
            else { throw HangarError.notFound(resource: "chat session", id: params.sessionID) }
            let status: String = row[0]
            if params.requireActive, status != ChatSessionRecord.Status.active.rawValue {
                throw HangarError.conflict("chat session '\(params.sessionID)' is \(status); only an active session takes messages")
            }
            let seq = (row[1] as Int64) + 1
            let message = ChatMessageRecord(
                id: Identifier.make(now: now), sessionID: params.sessionID, tenantID: params.tenantID, seq: seq, role: params.role,
                content: params.content, images: params.images, model: params.model, promptTokens: params.promptTokens,
                completionTokens: params.completionTokens, costUSD: params.costUSD, metrics: params.metrics, createdAt: now)
            try db.execute(
                cached: """
                    INSERT INTO chat_messages (session_id, seq, id, tenant_id, role, content, images, model, prompt_tokens, completion_tokens,
                        cost_usd, metrics, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    message.sessionID, message.seq, message.id, message.tenantID, message.role, message.content,
                    message.images.isEmpty ? nil : JSONText.encode(.array(message.images.map(JSONValue.string))), message.model,
                    message.promptTokens, message.completionTokens, message.costUSD, message.metrics.map(JSONText.encode), now.sqlite,
                ])
            try db.execute(
                cached: "UPDATE chat_sessions SET message_count = ?, last_message_at = ?, updated_at = ? WHERE id = ?",
                arguments: [seq, now.sqlite, now.sqlite, params.sessionID])
            return message
        }
    }

    public func chatMessageList(_ params: ChatMessageListParams) async throws -> [ChatMessageRecord] {
        try await read { db in
            let select = "SELECT \(Self.chatMessageColumns) FROM chat_messages WHERE tenant_id = ? AND session_id = ?"
            let base: StatementArguments = [params.tenantID, params.sessionID]
            if let after = params.afterSeq {
                return try Row.fetchAll(
                    db, cached: "\(select) AND seq > ? ORDER BY seq LIMIT ?", arguments: base + [after, params.limit]
                ).map(Self.chatMessage)
            }
            let before = params.beforeSeq ?? Int64.max
            return try Row.fetchAll(
                db, cached: "\(select) AND seq < ? ORDER BY seq DESC LIMIT ?", arguments: base + [before, params.limit]
            ).map(Self.chatMessage).reversed()
        }
    }

    private static func chatSession(_ db: Database, tenantID: String, id: String) throws -> ChatSessionRecord? {
        try Row.fetchOne(
            db, cached: "SELECT \(chatSessionColumns) FROM chat_sessions WHERE tenant_id = ? AND id = ?", arguments: [tenantID, id]
        ).map(chatSession)
    }

    static let chatSessionColumns = """
        id, tenant_id, agent_id, title, session_type, model, system_prompt, config, status, created_by, message_count, created_at,
        updated_at, last_message_at
        """

    /// Positional: the order of `chatSessionColumns`.
    static func chatSession(_ row: Row) -> ChatSessionRecord {
        ChatSessionRecord(
            id: row[0], tenantID: row[1], agentID: row[2], title: row[3], sessionType: row[4], model: row[5], systemPrompt: row[6],
            config: JSONText.decodeOrNull(row[7]) ?? .emptyObject, status: ChatSessionRecord.Status(rawValue: row[8]) ?? .archived,
            createdBy: row[9], messageCount: row[10], createdAt: Date(sqlite: row[11]), updatedAt: Date(sqlite: row[12]),
            lastMessageAt: (row[13] as Double?).map(Date.init(sqlite:)))
    }

    static let chatMessageColumns =
        "id, session_id, tenant_id, seq, role, content, images, model, prompt_tokens, completion_tokens, cost_usd, metrics, created_at"

    /// Positional: the order of `chatMessageColumns`.
    static func chatMessage(_ row: Row) -> ChatMessageRecord {
        ChatMessageRecord(
            id: row[0], sessionID: row[1], tenantID: row[2], seq: row[3], role: row[4], content: row[5],
            images: JSONText.decodeOrNull(row[6])?.arrayValue?.compactMap(\.stringValue) ?? [], model: row[7], promptTokens: row[8],
            completionTokens: row[9], costUSD: row[10], metrics: JSONText.decodeOrNull(row[11]), createdAt: Date(sqlite: row[12]))
    }
}
