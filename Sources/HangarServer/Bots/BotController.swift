import Foundation
import HangarAgents
import HangarAuth
import HangarBots
import HangarCore
import HangarRuntime
import HangarStore
import HTTPTypes
import Hummingbird

/// Bots (issue 16, seed 003): `POST /api/v1/agents/deploy` makes a bot agent and connects it to
/// its platform in one call; `POST …/{agent_id}/restart` connects it again. The platform's
/// updates arrive at `POST /webhook/{agent_id}` (in `BotController+Webhook.swift`). `GET` and
/// `DELETE` of a bot are the agent routes (`AgentController`), which show and disconnect the
/// deployment. The seed's paths without `/api/v1` are the same handlers.
struct BotController {
    let store: any AgentStore & SecretStore & QuotaStore & AuditStore & BotStore & TaskStore
    let configuration: ServerConfiguration
    let vault: SecretBox
    let models: ModelCatalog
    let deployments: BotDeployments

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.post("/api/v1/agents/deploy", use: deploy)
        router.post("/agents/deploy", use: deploy)
        router.post("/api/v1/agents/{agent_id}/restart", use: restart)
        router.post("/agents/{agent_id}/restart", use: restart)
        router.post("/webhook/{agent_id}", use: webhook)
    }

    /// Seed 003's fields; `user_id` is accepted and not used (the agent belongs to the caller's
    /// tenant); `application_id` and `public_key` are Discord's.
    static let deployFields: Set<String> = [
        "name", "description", "platform", "bot_token", "model", "model_name", "system_prompt", "config", "user_id", "application_id", "public_key",
    ]

    /// Telegram's tokens are `<bot id>:<secret>`; the token becomes part of a URL path, so
    /// nothing else may pass.
    static func isPlausibleToken(_ token: String) -> Bool {
        let parts = token.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[0].allSatisfy(\.isASCII) && parts[0].allSatisfy(\.isNumber) && !parts[1].isEmpty
            && parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    @Sendable func deploy(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: Self.deployFields)
        guard let name = try body.string("name", maxLength: 128)?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
            throw APIError.invalid("name", "is required (1-128 characters)")
        }
        let platformName = try body.string("platform", maxLength: 32) ?? "telegram"
        if platformName == "discord" {
            throw APIError.invalid("platform", "Discord bots are not built yet; this server deploys: \(BotPlatforms.supported.joined(separator: ", "))")
        }
        guard let platform = deployments.platforms[platformName] else {
            throw APIError.invalid("platform", "must be one of \(BotPlatforms.supported.joined(separator: ", "))")
        }
        guard let token = try body.string("bot_token", maxLength: 256), Self.isPlausibleToken(token) else {
            throw APIError.invalid("bot_token", "is required: the token BotFather gave, such as 123456789:AAE…")
        }
        let modelField = body.has("model") ? "model" : "model_name"
        guard let model = try body.string(modelField, maxLength: 256), !model.isEmpty else {
            throw APIError.invalid(modelField, "is required: provider/model, such as ollama/llama3.2 (mock/echo answers with the input, for tests)")
        }
        if let problem = models.providers.problem(with: model) { throw APIError.invalid(modelField, problem) }
        var config = try body.object("config")?.objectValue ?? [:]
        if let greeting = config["greeting"], greeting.stringValue == nil || greeting.stringValue!.count > 4096 {
            throw APIError.invalid("config.greeting", "must be a string of at most 4096 characters")
        }
        if let prompt = try body.string("system_prompt", maxLength: 100_000) { config["system_prompt"] = .string(prompt) }
        guard configuration.bots.publicURL != nil else {
            throw APIError(
                .conflict,
                "HANGAR_PUBLIC_URL is not set: a bot needs the public https URL its platform reaches this server at (see docs/bots.md)")
        }
        try await QuotaController.checkAgentCreation(store, tenantID: context.tenantID)
        if try await store.agentGet(tenantID: context.tenantID, idOrName: name) != nil {
            throw APIError(.conflict, "an agent named '\(name)' exists already", field: "name")
        }
        // The token first: a refused one leaves nothing behind.
        let identity: BotIdentity
        do {
            identity = try await platform.identify(token: token)
        } catch let error as BotPlatformError {
            throw Self.answer(error, field: "bot_token")
        }
        let agent = try await store.agentInsert(
            AgentInsertParams(
                tenantID: context.tenantID, name: name, description: try body.string("description", maxLength: 4000), kind: BotExecutor.kind,
                model: model, config: .object(config)))
        do {
            _ = try await SecretsController.store(
                ["key": .string(BotExecutor.tokenSecret), "value": .string(token), "description": .string("\(platformName) bot token (set by deploy)")],
                agent: agent, vault: vault, store: store, field: "")
            let secret = BotSecretToken.make()
            let url = configuration.bots.webhookURL(agentID: agent.id)!
            let now = Date()
            var deployment = BotDeployment(
                agentID: agent.id, tenantID: agent.tenantID, platform: platformName, webhookURL: url, botUsername: identity.username,
                secretTokenHash: BotSecretToken.hash(secret), createdAt: now, updatedAt: now)
            try await store.botDeploymentInsert(deployment)
            try await platform.registerWebhook(token: token, url: url, secret: secret)
            deployment = BotDeploymentTransitions.apply(.webhookRegistered(url: url, secretHash: deployment.secretTokenHash), to: deployment)
            deployment = try await store.botDeploymentUpdate(deployment) ?? deployment
            await AuditLog.record(
                store, context, action: "agent.deploy", resourceType: "agent", resourceID: agent.id,
                details: ["name": .string(agent.name), "platform": .string(platformName)])
            return JSONResponse.make(BotDeployments.json(agent, deployment), status: .created)
        } catch {
            // Nothing half-made stays: not the agent, its token, or its deployment.
            _ = try? await store.botDeploymentDelete(agentID: agent.id)
            for secret in (try? await store.secretList(tenantID: agent.tenantID, agentID: agent.id)) ?? [] {
                _ = try? await store.secretDeactivate(tenantID: agent.tenantID, id: secret.id)
            }
            try? await store.agentDelete(tenantID: agent.tenantID, id: agent.id)
            if let error = error as? BotPlatformError { throw Self.answer(error, field: "bot_token") }
            throw error
        }
    }

    /// Registers the webhook again with a new secret and clears an error state.
    @Sendable func restart(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let reference = try context.parameters.decoded("agent_id")
        guard let agent = try await store.agentGet(tenantID: context.tenantID, idOrName: reference) else { throw APIError.notFound("agent", reference) }
        guard var deployment = try await deployments.deployment(of: agent), let platform = deployments.platforms[deployment.platform] else {
            throw APIError(.conflict, "agent '\(agent.name)' is not a deployed bot; deploy one with POST /api/v1/agents/deploy")
        }
        guard let token = try await deployments.token(of: agent) else {
            throw APIError(.conflict, "agent '\(agent.name)' has no bot token (agent secret '\(BotExecutor.tokenSecret)'); deploy it again")
        }
        guard let url = configuration.bots.webhookURL(agentID: agent.id) ?? deployment.webhookURL else {
            throw APIError(.conflict, "HANGAR_PUBLIC_URL is not set: a bot needs the public https URL its platform reaches this server at")
        }
        let secret = BotSecretToken.make()
        do {
            try await platform.registerWebhook(token: token, url: url, secret: secret)
        } catch let error as BotPlatformError {
            _ = try await store.botDeploymentUpdate(BotDeploymentTransitions.apply(.registrationFailed(reason: error.description), to: deployment))
            throw Self.answer(error, field: nil)
        }
        deployment = BotDeploymentTransitions.apply(.webhookRegistered(url: url, secretHash: BotSecretToken.hash(secret)), to: deployment)
        deployment = try await store.botDeploymentUpdate(deployment) ?? deployment
        await AuditLog.record(store, context, action: "agent.restart", resourceType: "agent", resourceID: agent.id)
        return JSONResponse.make(BotDeployments.json(agent, deployment))
    }

    /// A refused token is the caller's to fix (422 naming the field, on deploy); a platform
    /// that cannot be reached is 502.
    static func answer(_ error: BotPlatformError, field: String?) -> APIError {
        switch error {
        case .unauthorized(let detail), .rejected(let detail):
            field.map { APIError.invalid($0, detail) } ?? APIError(.badGateway, detail)
        case .unavailable(let detail), .malformed(let detail):
            APIError(.badGateway, detail)
        }
    }
}
