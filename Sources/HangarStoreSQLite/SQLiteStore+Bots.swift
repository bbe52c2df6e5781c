import Foundation
import GRDB
import HangarCore
import HangarStore

extension SQLiteStore {
    static let botColumns = """
        agent_id, tenant_id, platform, status, last_error, webhook_url, bot_username, secret_token_hash, messages_in, replies_out,
        last_activity_at, created_at, updated_at
        """

    static func botDeployment(_ row: Row) -> BotDeployment {
        BotDeployment(
            agentID: row[0], tenantID: row[1], platform: row[2], status: BotDeployment.Status(rawValue: row[3]) ?? .error, lastError: row[4],
            webhookURL: row[5], botUsername: row[6], secretTokenHash: row[7], messagesIn: row[8], repliesOut: row[9],
            lastActivityAt: (row[10] as Double?).map(Date.init(sqlite:)), createdAt: Date(sqlite: row[11]), updatedAt: Date(sqlite: row[12]))
    }

    public func botDeploymentInsert(_ deployment: BotDeployment) async throws {
        try await write { db, _ in
            do {
                try db.execute(
                    cached: """
                        INSERT INTO bot_deployments (\(Self.botColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        deployment.agentID, deployment.tenantID, deployment.platform, deployment.status.rawValue, deployment.lastError,
                        deployment.webhookURL, deployment.botUsername, deployment.secretTokenHash, deployment.messagesIn, deployment.repliesOut,
                        deployment.lastActivityAt?.sqlite, deployment.createdAt.sqlite, deployment.updatedAt.sqlite,
                    ])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                throw HangarError.conflict("agent '\(deployment.agentID)' is deployed already")
            }
        }
    }

    public func botDeploymentGet(agentID: String) async throws -> BotDeployment? {
        try await read { db in
            try Row.fetchOne(db, cached: "SELECT \(Self.botColumns) FROM bot_deployments WHERE agent_id = ?", arguments: [agentID])
                .map(Self.botDeployment)
        }
    }

    public func botDeploymentUpdate(_ deployment: BotDeployment) async throws -> BotDeployment? {
        let now = Date()
        return try await write { db, _ in
            try db.execute(
                cached: """
                    UPDATE bot_deployments SET status = ?, last_error = ?, webhook_url = ?, bot_username = ?, secret_token_hash = ?, updated_at = ?
                    WHERE agent_id = ?
                    """,
                arguments: [
                    deployment.status.rawValue, deployment.lastError, deployment.webhookURL, deployment.botUsername, deployment.secretTokenHash,
                    now.sqlite, deployment.agentID,
                ])
            guard db.changesCount == 1 else { return nil }
            return try Row.fetchOne(db, cached: "SELECT \(Self.botColumns) FROM bot_deployments WHERE agent_id = ?", arguments: [deployment.agentID])
                .map(Self.botDeployment)
        }
    }

    public func botDeploymentCount(agentID: String, messagesIn: Int, repliesOut: Int, at: Date) async throws {
        try await write { db, _ in
            try db.execute(
                cached: """
                    UPDATE bot_deployments SET messages_in = messages_in + ?, replies_out = replies_out + ?,
                        last_activity_at = max(coalesce(last_activity_at, 0), ?)
                    WHERE agent_id = ?
                    """,
                arguments: [messagesIn, repliesOut, at.sqlite, agentID])
        }
    }

    public func botDeploymentDelete(agentID: String) async throws -> Bool {
        try await write { db, _ in
            try db.execute(cached: "DELETE FROM bot_chats WHERE agent_id = ?", arguments: [agentID])
            try db.execute(cached: "DELETE FROM bot_deployments WHERE agent_id = ?", arguments: [agentID])
            return db.changesCount == 1
        }
    }

    public func botChatSessionGet(agentID: String, chatKey: String) async throws -> String? {
        try await read { db in
            try String.fetchOne(db, cached: "SELECT session_id FROM bot_chats WHERE agent_id = ? AND chat_key = ?", arguments: [agentID, chatKey])
        }
    }

    public func botChatSessionSet(agentID: String, chatKey: String, sessionID: String) async throws -> String {
        try await write { db, _ in
            try db.execute(
                cached: "INSERT INTO bot_chats (agent_id, chat_key, session_id) VALUES (?, ?, ?) ON CONFLICT (agent_id, chat_key) DO NOTHING",
                arguments: [agentID, chatKey, sessionID])
            return try String.fetchOne(
                db, cached: "SELECT session_id FROM bot_chats WHERE agent_id = ? AND chat_key = ?", arguments: [agentID, chatKey]) ?? sessionID
        }
    }
}
