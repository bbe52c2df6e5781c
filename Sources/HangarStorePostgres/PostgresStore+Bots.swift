import Foundation
import HangarCore
import HangarStore
import PostgresNIO

extension PostgresStore {
    static let botColumns = """
        agent_id, tenant_id, platform, status, last_error, webhook_url, bot_username, secret_token_hash, messages_in, replies_out,
        last_activity_at, created_at, updated_at
        """

    static func botDeployment(_ row: PostgresRow) throws -> BotDeployment {
        let r = row.makeRandomAccess()
        return BotDeployment(
            agentID: try r["agent_id"].decode(String.self), tenantID: try r["tenant_id"].decode(String.self),
            platform: try r["platform"].decode(String.self),
            status: BotDeployment.Status(rawValue: try r["status"].decode(String.self)) ?? .error, lastError: try r["last_error"].decode(String?.self),
            webhookURL: try r["webhook_url"].decode(String?.self), botUsername: try r["bot_username"].decode(String?.self),
            secretTokenHash: try r["secret_token_hash"].decode(String.self), messagesIn: try r["messages_in"].decode(Int.self),
            repliesOut: try r["replies_out"].decode(Int.self), lastActivityAt: try r["last_activity_at"].decode(Date?.self),
            createdAt: try r["created_at"].decode(Date.self), updatedAt: try r["updated_at"].decode(Date.self))
    }

    public func botDeploymentInsert(_ deployment: BotDeployment) async throws {
        do {
            _ = try await query(
                """
                INSERT INTO bot_deployments (\(unescaped: Self.botColumns))
                VALUES (\(deployment.agentID), \(deployment.tenantID), \(deployment.platform), \(deployment.status.rawValue), \(deployment.lastError),
                    \(deployment.webhookURL), \(deployment.botUsername), \(deployment.secretTokenHash), \(deployment.messagesIn),
                    \(deployment.repliesOut), \(deployment.lastActivityAt), \(deployment.createdAt), \(deployment.updatedAt))
                """, logger: logger)
        } catch where Self.isUniqueViolation(error) {
            throw HangarError.conflict("agent '\(deployment.agentID)' is deployed already")
        }
    }

    public func botDeploymentGet(agentID: String) async throws -> BotDeployment? {
        try await query("SELECT \(unescaped: Self.botColumns) FROM bot_deployments WHERE agent_id = \(agentID)", logger: logger)
            .first(Self.botDeployment)
    }

    public func botDeploymentUpdate(_ deployment: BotDeployment) async throws -> BotDeployment? {
        try await query(
            """
            UPDATE bot_deployments SET status = \(deployment.status.rawValue), last_error = \(deployment.lastError),
                webhook_url = \(deployment.webhookURL), bot_username = \(deployment.botUsername),
                secret_token_hash = \(deployment.secretTokenHash), updated_at = now()
            WHERE agent_id = \(deployment.agentID) RETURNING \(unescaped: Self.botColumns)
            """, logger: logger
        ).first(Self.botDeployment)
    }

    public func botDeploymentCount(agentID: String, messagesIn: Int, repliesOut: Int, at: Date) async throws {
        _ = try await query(
            """
            UPDATE bot_deployments SET messages_in = messages_in + \(messagesIn), replies_out = replies_out + \(repliesOut),
                last_activity_at = greatest(last_activity_at, \(at))
            WHERE agent_id = \(agentID)
            """, logger: logger)
    }

    public func botDeploymentDelete(agentID: String) async throws -> Bool {
        try await transaction { connection, _ in
            try await connection.query("DELETE FROM bot_chats WHERE agent_id = \(agentID)", logger: self.logger)
            return try await connection.query("DELETE FROM bot_deployments WHERE agent_id = \(agentID) RETURNING agent_id", logger: self.logger)
                .first { try $0.decode(String.self) } != nil
        }
    }

    public func botChatSessionGet(agentID: String, chatKey: String) async throws -> String? {
        try await query("SELECT session_id FROM bot_chats WHERE agent_id = \(agentID) AND chat_key = \(chatKey)", logger: logger)
            .first { try $0.decode(String.self) }
    }

    public func botChatSessionSet(agentID: String, chatKey: String, sessionID: String) async throws -> String {
        try await transaction { connection, _ in
            try await connection.query(
                """
                INSERT INTO bot_chats (agent_id, chat_key, session_id) VALUES (\(agentID), \(chatKey), \(sessionID))
                ON CONFLICT (agent_id, chat_key) DO NOTHING
                """, logger: self.logger)
            return try await connection.query(
                "SELECT session_id FROM bot_chats WHERE agent_id = \(agentID) AND chat_key = \(chatKey)", logger: self.logger
            ).first { try $0.decode(String.self) } ?? sessionID
        }
    }
}
