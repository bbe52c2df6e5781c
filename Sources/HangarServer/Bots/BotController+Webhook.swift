import Foundation
import HangarBots
import HangarCore
import HangarRuntime
import HangarStore
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /webhook/{agent_id}`: where a bot's platform delivers updates. Public (the platform
/// has no API key), so the platform proves itself instead: Telegram sends the secret given at
/// `setWebhook` in `X-Telegram-Bot-Api-Secret-Token`. The answer is fast: the update becomes a
/// task (its idempotency key made from the update id, so a redelivery is the same task and
/// gets one reply), and a worker answers in the chat.
extension BotController {
    /// Telegram's updates are small (a message is at most 4,096 characters).
    static let maxUpdateBytes = 256 * 1024

    @Sendable func webhook(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let agentID = try context.parameters.decoded("agent_id")
        let buffer = try await JSONBody.collect(request, limit: Self.maxUpdateBytes)
        guard let deployment = try await store.botDeploymentGet(agentID: agentID), let platform = deployments.platforms[deployment.platform] else {
            throw APIError.notFound("bot", agentID)
        }
        let body = Array(buffer.readableBytesView)
        let headers = request.headers
        guard platform.verify(header: { name in HTTPField.Name(name).flatMap { headers[$0] } }, body: body, deployment: deployment) else {
            throw APIError(.unauthorized, "the update's secret token does not match this bot's")
        }
        // Per bot, so that one busy (or abused) bot cannot fill the queue for the others.
        let limit = Double(configuration.bots.updatesPerMinute)
        let decision = try await store.rateLimitTake(key: "bot_updates:\(agentID)", capacity: limit, refillPerSecond: limit / 60)
        guard decision.allowed else {
            let wait = max(1, Int(decision.retryAfter.rounded(.up)))
            throw APIError(
                .tooManyRequests, "bot '\(agentID)' receives more than \(Int(limit)) updates a minute (HANGAR_BOT_UPDATES_PER_MINUTE); retry in \(wait) s",
                headers: [.retryAfter: String(wait)])
        }
        let update: BotUpdate?
        do {
            update = try platform.parseUpdate(body)
        } catch let error as BotPlatformError {
            throw APIError(.badRequest, "malformed update: \(error.description)")
        }
        guard let update, BotDeploymentTransitions.answersUpdates(deployment.status) else {
            // A sticker, a photo, an edit: acknowledged, so the platform does not deliver it again.
            return JSONResponse.make(["ok": true, "ignored": true])
        }
        let result = try await store.taskInsert(
            TaskInsertParams(
                tenantID: deployment.tenantID, agentID: agentID, input: update.input(platform: platform.name),
                maxAttempts: configuration.defaultMaxAttempts,
                timeoutSeconds: min(configuration.defaultTimeoutSeconds, configuration.security.maxExecutionSeconds),
                idempotencyKey: "bot:\(agentID):\(update.updateID)"))
        if result.inserted {
            try await store.botDeploymentCount(agentID: agentID, messagesIn: 1, repliesOut: 0, at: Date())
            deployments.metrics.botMessageReceived(agentID: agentID, platform: platform.name)
        }
        return JSONResponse.make(["ok": true, "task_id": .string(result.task.id), "duplicate": .bool(!result.inserted)])
    }
}
