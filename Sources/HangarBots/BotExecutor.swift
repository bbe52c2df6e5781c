import Foundation
import HangarAgents
import HangarCore
import HangarRuntime
import HangarStore
import HangarTimers

/// Agent kind `bot` (issue 16): a task is one user message from a chat platform; running it
/// answers in that chat. The answer comes from the agent's model with the chat's history (the
/// chat is a chat session of the agent), "typing…" shows while the model works, `/start` and
/// `/help` get the agent's `config.greeting`. The bot token is the agent secret `bot_token`.
///
/// A platform refusing the token (401) puts the deployment in `error` with the reason and
/// fails the task for good; a platform that stays unreachable fails the attempt (retried).
public struct BotExecutor: AgentExecutor {
    public static let kind = "bot"
    public static let tokenSecret = "bot_token"
    static let defaultGreeting = "Hello! Send me a message and I will answer."

    let store: any BotStore & ChatStore
    let conversation: BotConversation
    let platforms: [String: any BotPlatform]
    let metrics: HangarMetrics

    public init(store: any BotStore & ChatStore, catalog: ModelCatalog, platforms: [any BotPlatform], metrics: HangarMetrics = .shared) {
        self.store = store
        self.conversation = BotConversation(store: store, catalog: catalog)
        self.platforms = Dictionary(platforms.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.metrics = metrics
    }

    public func validate(input: JSONValue) throws {
        guard BotUpdate(input: input) != nil else {
            throw HangarError.invalid(field: "input", message: "a bot task carries update_id, chat_id and text (it is made by /webhook/{agent_id})")
        }
    }

    public func execute(_ context: TaskContext) async throws -> ExecutionResult {
        let agent = context.agent
        guard let update = BotUpdate(input: context.task.input), let platformName = context.task.input["platform"]?.stringValue,
            let platform = platforms[platformName]
        else { throw TaskFailure(code: "invalid_input", message: "not a bot update of a known platform", retryable: false) }
        guard let deployment = try await store.botDeploymentGet(agentID: agent.id) else {
            throw TaskFailure(code: "not_deployed", message: "agent '\(agent.id)' has no bot deployment", retryable: false)
        }
        guard let token = try await context.secret(Self.tokenSecret) else {
            throw TaskFailure(code: "missing_secret", message: "the bot token (agent secret '\(Self.tokenSecret)') is missing", retryable: false)
        }
        do {
            let text: String
            var sessionID: String?
            if Self.isGreetingCommand(update.text) {
                text = agent.config["greeting"]?.stringValue ?? Self.defaultGreeting
            } else {
                // Once before the model is asked (so that even a fast answer shows it), then renewed.
                try? await platform.typing(token: token, chatID: update.chatID)
                let typing = Task { await Self.keepTyping(platform, token: token, chatID: update.chatID) }
                defer { typing.cancel() }
                let answer = try await conversation.answer(update, agent: agent, platform: platformName, context: context)
                typing.cancel()
                text = answer.text.isEmpty ? "…" : answer.text
                sessionID = answer.sessionID
            }
            let sent = try await platform.reply(token: token, chatID: update.chatID, text: text, deadline: context.deadline)
            let now = Date()
            try await store.botDeploymentCount(agentID: agent.id, messagesIn: 0, repliesOut: sent, at: now)
            metrics.botReplied(
                agentID: agent.id, platform: platformName, messages: sent, latency: .seconds(fractional: max(0, now.timeIntervalSince(context.task.createdAt))))
            return ExecutionResult(output: [
                "chat_id": .string(update.chatID), "session_id": sessionID.map(JSONValue.string) ?? .null, "messages_sent": .int(Int64(sent)),
                "reply": .string(text),
            ])
        } catch let error as BotPlatformError {
            try await record(error, deployment: deployment, platform: platformName)
            switch error {
            case .unavailable(let detail): throw TaskFailure(code: "platform_unavailable", message: detail, retryable: true)
            default: throw TaskFailure(code: "platform_refused", message: error.description, retryable: false)
            }
        }
    }

    /// Counts the failure; a refused token stops the bot until `POST …/restart`.
    private func record(_ error: BotPlatformError, deployment: BotDeployment, platform: String) async throws {
        let kind: String
        switch error {
        case .unauthorized: kind = "unauthorized"
        case .unavailable: kind = "unavailable"
        case .rejected, .malformed: kind = "rejected"
        }
        metrics.botPlatformError(agentID: deployment.agentID, platform: platform, kind: kind)
        guard case .unauthorized(let reason) = error else { return }
        _ = try await store.botDeploymentUpdate(BotDeploymentTransitions.apply(.tokenRefused(reason: reason), to: deployment))
    }

    /// `/start`, `/help`, also addressed to the bot (`/start@my_bot`) and with arguments.
    static func isGreetingCommand(_ text: String) -> Bool {
        let word = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").first.map(String.init) ?? ""
        let command = word.split(separator: "@").first.map(String.init) ?? word
        return command == "/start" || command == "/help"
    }

    /// Telegram shows "typing…" for five seconds: renewed every four until cancelled.
    static func keepTyping(_ platform: any BotPlatform, token: String, chatID: String) async {
        while !Task.isCancelled {
            do { try await Timers.sleep(for: .seconds(4)) } catch { return }
            try? await platform.typing(token: token, chatID: chatID)
        }
    }
}
