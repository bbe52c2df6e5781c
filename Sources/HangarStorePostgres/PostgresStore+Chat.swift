import Foundation
public import HangarCore
public import HangarStore
import PostgresNIO

extension PostgresStore {
    public func chatSessionInsert(_ params: ChatSessionInsertParams) async throws -> ChatSessionRecord {
        let id = Identifier.make()
        return try await query(
            """
            INSERT INTO chat_sessions (id, tenant_id, agent_id, title, session_type, model, system_prompt, config, status, created_by,
                message_count, created_at, updated_at)
            VALUES (\(id), \(params.tenantID), \(params.agentID), \(params.title), \(params.sessionType), \(params.model),
                \(params.systemPrompt), \(JSONText.encode(params.config))::jsonb, 'active', \(params.createdBy), 0, now(), now())
            RETURNING \(unescaped: Self.chatSessionColumns)
            """, logger: logger
        ).first(Self.chatSession)!
    }

    public func chatSessionGet(tenantID: String, id: String) async throws -> ChatSessionRecord? {
        try await query(
            "SELECT \(unescaped: Self.chatSessionColumns) FROM chat_sessions WHERE tenant_id = \(tenantID) AND id = \(id)", logger: logger
        ).first(Self.chatSession)
    }

    public func chatSessionList(_ params: ChatSessionListParams) async throws -> (sessions: [ChatSessionRecord], total: Int) {
        let status = params.status?.rawValue
        func filtered(_ select: String, tail: String) -> PostgresQuery {
            """
            SELECT \(unescaped: select) FROM chat_sessions
            WHERE tenant_id = \(params.tenantID) AND (\(status)::text IS NULL OR status = \(status))
              AND (\(params.sessionType)::text IS NULL OR session_type = \(params.sessionType))
            \(unescaped: tail)
            """
        }
        let sessions = try await query(
            filtered(Self.chatSessionColumns, tail: "ORDER BY seq DESC LIMIT \(params.limit) OFFSET \(params.offset)"), logger: logger
        ).all(Self.chatSession)
        let total = try await query(filtered("count(*)::bigint", tail: ""), logger: logger).first { try $0.decode(Int.self) } ?? 0
        return (sessions, total)
    }

    public func chatSessionUpdateStatus(tenantID: String, id: String, status: ChatSessionRecord.Status) async throws -> ChatSessionRecord? {
        try await query(
            """
            UPDATE chat_sessions SET status = \(status.rawValue), updated_at = now() WHERE tenant_id = \(tenantID) AND id = \(id)
            RETURNING \(unescaped: Self.chatSessionColumns)
            """, logger: logger
        ).first(Self.chatSession)
    }

    public func chatSessionDelete(tenantID: String, id: String) async throws -> Bool {
        try await transaction { connection, _ in
            let deleted = try await connection.query(
                "DELETE FROM chat_sessions WHERE tenant_id = \(tenantID) AND id = \(id) RETURNING id", logger: self.logger
            ).first { try $0.decode(String.self) }
            guard deleted != nil else { return false }
            try await connection.query("DELETE FROM chat_messages WHERE session_id = \(id)", logger: self.logger)
            return true
        }
    }

    public func chatMessageAppend(_ params: ChatMessageAppendParams) async throws -> ChatMessageRecord {
        let images = params.images.isEmpty ? nil : JSONText.encode(.array(params.images.map(JSONValue.string)))
        let metrics = params.metrics.map(JSONText.encode)
        let id = Identifier.make()
        return try await transaction { connection, _ in
            // The row lock on the session numbers its messages one at a time.
            guard
                let status = try await connection.query(
                    "SELECT status FROM chat_sessions WHERE tenant_id = \(params.tenantID) AND id = \(params.sessionID) FOR UPDATE",
                    logger: self.logger
                ).first({ try $0.decode(String.self) })
            else { throw HangarError.notFound(resource: "chat session", id: params.sessionID) }
            if params.requireActive, status != ChatSessionRecord.Status.active.rawValue {
                throw HangarError.conflict("chat session '\(params.sessionID)' is \(status); only an active session takes messages")
            }
            let seq = try await connection.query(
                """
                UPDATE chat_sessions SET message_count = message_count + 1, last_message_at = now(), updated_at = now()
                WHERE id = \(params.sessionID) RETURNING message_count
                """, logger: self.logger
            ).first { try $0.decode(Int64.self) }!
            return try await connection.query(
                """
                INSERT INTO chat_messages (session_id, seq, id, tenant_id, role, content, images, model, prompt_tokens, completion_tokens,
                    cost_usd, metrics, created_at)
                VALUES (\(params.sessionID), \(seq), \(id), \(params.tenantID), \(params.role), \(params.content), \(images)::jsonb,
                    \(params.model), \(params.promptTokens), \(params.completionTokens), \(params.costUSD), \(metrics)::jsonb, now())
                RETURNING \(unescaped: Self.chatMessageColumns)
                """, logger: self.logger
            ).first(Self.chatMessage)!
        }
    }

    public func chatMessageList(_ params: ChatMessageListParams) async throws -> [ChatMessageRecord] {
        let base = "SELECT \(Self.chatMessageColumns) FROM chat_messages"
        if let after = params.afterSeq {
            return try await query(
                """
                \(unescaped: base) WHERE tenant_id = \(params.tenantID) AND session_id = \(params.sessionID) AND seq > \(after)
                ORDER BY seq LIMIT \(params.limit)
                """, logger: logger
            ).all(Self.chatMessage)
        }
        let before = params.beforeSeq ?? Int64.max
        return try await query(
            """
            \(unescaped: base) WHERE tenant_id = \(params.tenantID) AND session_id = \(params.sessionID) AND seq < \(before)
            ORDER BY seq DESC LIMIT \(params.limit)
            """, logger: logger
        ).all(Self.chatMessage).reversed()
    }

    static let chatSessionColumns = """
        id, tenant_id, agent_id, title, session_type, model, system_prompt, config::text, status, created_by, message_count, created_at,
        updated_at, last_message_at
        """

    static func chatSession(_ row: PostgresRow) throws -> ChatSessionRecord {
        let r = row.makeRandomAccess()
        return ChatSessionRecord(
            id: try r[0].decode(String.self), tenantID: try r[1].decode(String.self), agentID: try r[2].decode(String?.self),
            title: try r[3].decode(String?.self), sessionType: try r[4].decode(String.self), model: try r[5].decode(String.self),
            systemPrompt: try r[6].decode(String?.self), config: JSONText.decodeOrNull(try r[7].decode(String.self)) ?? .emptyObject,
            status: ChatSessionRecord.Status(rawValue: try r[8].decode(String.self)) ?? .archived, createdBy: try r[9].decode(String.self),
            messageCount: try r[10].decode(Int.self), createdAt: try r[11].decode(Date.self), updatedAt: try r[12].decode(Date.self),
            lastMessageAt: try r[13].decode(Date?.self))
    }

    static let chatMessageColumns = """
        id, session_id, tenant_id, seq, role, content, images::text, model, prompt_tokens, completion_tokens, cost_usd, metrics::text,
        created_at
        """

    static func chatMessage(_ row: PostgresRow) throws -> ChatMessageRecord {
        let r = row.makeRandomAccess()
        return ChatMessageRecord(
            id: try r[0].decode(String.self), sessionID: try r[1].decode(String.self), tenantID: try r[2].decode(String.self),
            seq: try r[3].decode(Int64.self), role: try r[4].decode(String.self), content: try r[5].decode(String.self),
            images: JSONText.decodeOrNull(try r[6].decode(String?.self))?.arrayValue?.compactMap(\.stringValue) ?? [],
            model: try r[7].decode(String?.self), promptTokens: try r[8].decode(Int?.self), completionTokens: try r[9].decode(Int?.self),
            costUSD: try r[10].decode(Double?.self), metrics: JSONText.decodeOrNull(try r[11].decode(String?.self)),
            createdAt: try r[12].decode(Date.self))
    }
}
