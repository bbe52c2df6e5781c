import Foundation
import HangarAuth
import HangarBots
import HangarCore
import HangarRuntime
import HangarStore

/// What the agent routes need of bots: a bot agent's `deployment` for `GET`, and disconnecting
/// it from its platform on `DELETE`.
struct BotDeployments: Sendable {
    let store: any BotStore & SecretStore
    let vault: SecretBox
    let platforms: [String: any BotPlatform]
    let metrics: HangarMetrics

    init(store: any BotStore & SecretStore, vault: SecretBox, configuration: BotConfiguration, metrics: HangarMetrics) {
        self.store = store
        self.vault = vault
        self.platforms = Dictionary(BotPlatforms.make(configuration).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.metrics = metrics
    }

    func deployment(of agent: Agent) async throws -> BotDeployment? {
        guard agent.kind == BotExecutor.kind, let deployment = try await store.botDeploymentGet(agentID: agent.id),
            deployment.tenantID == agent.tenantID
        else { return nil }
        return deployment
    }

    /// The bot token, decrypted for a call to the platform.
    func token(of agent: Agent) async throws -> String? {
        guard let secret = try await store.secretGet(tenantID: agent.tenantID, agentID: agent.id, idOrKey: BotExecutor.tokenSecret),
            secret.isActive, secret.key == BotExecutor.tokenSecret
        else { return nil }
        return try vault.open(secret.ciphertext, keyID: secret.keyID)
    }

    /// Removes the webhook at the platform, then the deployment. A platform that cannot be
    /// reached or refuses the token does not keep the agent alive: the answer says so
    /// (`webhook_removed: false`), and a platform never told keeps posting into a 404.
    func teardown(_ agent: Agent) async throws -> JSONValue? {
        guard let deployment = try await deployment(of: agent) else { return nil }
        var removed = false
        var problem: String?
        if let platform = platforms[deployment.platform], let token = try await token(of: agent) {
            do {
                try await platform.unregisterWebhook(token: token)
                removed = true
            } catch {
                problem = String(describing: error)
            }
        }
        _ = try await store.botDeploymentDelete(agentID: agent.id)
        metrics.botDeleted(agentID: agent.id, platform: deployment.platform)
        return ["webhook_removed": .bool(removed), "webhook_error": problem.map(JSONValue.string) ?? .null]
    }

    static func json(_ deployment: BotDeployment) -> JSONValue {
        [
            "platform": .string(deployment.platform), "status": .string(deployment.status.rawValue),
            "last_error": deployment.lastError.map(JSONValue.string) ?? .null, "webhook_url": deployment.webhookURL.map(JSONValue.string) ?? .null,
            "bot_username": deployment.botUsername.map(JSONValue.string) ?? .null, "messages_in": .int(Int64(deployment.messagesIn)),
            "replies_out": .int(Int64(deployment.repliesOut)),
            "last_activity_at": deployment.lastActivityAt.map { .string(Timestamp.format($0)) } ?? .null,
            "created_at": .string(Timestamp.format(deployment.createdAt)), "updated_at": .string(Timestamp.format(deployment.updatedAt)),
        ]
    }

    /// The agent with its `deployment` (and, flattened for the seed's clients, `webhook_url` and `status`).
    static func json(_ agent: Agent, _ deployment: BotDeployment?) -> JSONValue {
        guard let deployment, case .object(var fields) = AgentRepresentation.json(agent) else { return AgentRepresentation.json(agent) }
        fields["deployment"] = json(deployment)
        fields["webhook_url"] = deployment.webhookURL.map(JSONValue.string) ?? .null
        fields["status"] = .string(deployment.status.rawValue)
        return .object(fields)
    }
}
