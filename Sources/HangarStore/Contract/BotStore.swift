import Foundation
import HangarCore

/// Bot deployments (issue 16) and which chat session each platform chat talks in. Looked up
/// by agent id alone: the platform's webhook carries no tenant.
public protocol BotStore: Sendable {
    /// `HangarError.conflict` when the agent has a deployment already.
    func botDeploymentInsert(_ deployment: BotDeployment) async throws
    func botDeploymentGet(agentID: String) async throws -> BotDeployment?
    /// Writes status, last error, webhook URL, bot username and secret hash (not the counters);
    /// `nil` when the agent has no deployment.
    func botDeploymentUpdate(_ deployment: BotDeployment) async throws -> BotDeployment?
    /// Adds to the counters and stamps the last activity.
    func botDeploymentCount(agentID: String, messagesIn: Int, repliesOut: Int, at: Date) async throws
    /// Removes the deployment and its chat mappings; `false` when there was none.
    func botDeploymentDelete(agentID: String) async throws -> Bool
    /// The chat session of a platform chat (`chatKey`: Telegram's `chat.id`).
    func botChatSessionGet(agentID: String, chatKey: String) async throws -> String?
    /// Maps a chat to its session; the first mapping wins (two updates of a new chat racing
    /// both end in the session returned).
    func botChatSessionSet(agentID: String, chatKey: String, sessionID: String) async throws -> String
}
