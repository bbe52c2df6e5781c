import Foundation
import HangarAgents
import HangarCore
import HangarRuntime
import HangarStore

/// One platform chat as a chat session of the bot agent (the seed-004 chat endpoints show it):
/// the user's message is stored, the model answers from the session's history, the answer is
/// stored with its tokens and cost and counted against the agent's budget.
public struct BotConversation: Sendable {
    let store: any BotStore & ChatStore
    let catalog: ModelCatalog

    public init(store: any BotStore & ChatStore, catalog: ModelCatalog) {
        self.store = store
        self.catalog = catalog
    }

    /// Config keys Hangar reads itself; the rest of the agent's `config` goes to the provider.
    static let ownKeys: Set<String> = ["system_prompt", "greeting", "temperature", "max_tokens", "context_tokens", "api_key_secret"]

    /// What of the agent's config the session keeps (the chat API reads these keys itself).
    static let sessionKeys: Set<String> = ["temperature", "max_tokens", "context_tokens"]

    /// The session of `update`'s chat, made on its first message.
    func session(agent: Agent, platform: String, update: BotUpdate) async throws -> ChatSessionRecord {
        if let id = try await store.botChatSessionGet(agentID: agent.id, chatKey: update.chatID),
            let session = try await store.chatSessionGet(tenantID: agent.tenantID, id: id)
        {
            return session
        }
        let made = try await store.chatSessionInsert(
            ChatSessionInsertParams(
                tenantID: agent.tenantID, agentID: agent.id, title: "\(platform) chat \(update.chatID)" + (update.userName.map { " (\($0))" } ?? ""),
                sessionType: platform, model: agent.model ?? "", systemPrompt: agent.config["system_prompt"]?.stringValue,
                config: .object((agent.config.objectValue ?? [:]).filter { Self.sessionKeys.contains($0.key) }), createdBy: "bot:\(platform)"))
        let winner = try await store.botChatSessionSet(agentID: agent.id, chatKey: update.chatID, sessionID: made.id)
        guard winner != made.id, let session = try await store.chatSessionGet(tenantID: agent.tenantID, id: winner) else { return made }
        // Another update of this new chat made its session first: keep that one.
        _ = try await store.chatSessionDelete(tenantID: agent.tenantID, id: made.id)
        return session
    }

    /// Stores the user's message, asks the model, stores the answer; returns the answer.
    /// Throws `TaskFailure` (retryable) when the model fails.
    func answer(_ update: BotUpdate, agent: Agent, platform: String, context: TaskContext) async throws -> (text: String, sessionID: String) {
        guard let model = agent.model else { throw TaskFailure(code: "invalid_agent", message: "the bot agent has no model", retryable: false) }
        // The agent's budget_limit holds for bots as for every agent (`budget_exceeded`, not retried).
        try await context.ensureBudgetLeft()
        let session = try await session(agent: agent, platform: platform, update: update)
        let userMessage = try await storeUserMessage(update, session: session, attempt: context.attempt)
        let history = try await store.chatMessageList(
            ChatMessageListParams(tenantID: agent.tenantID, sessionID: session.id, beforeSeq: userMessage.seq + 1, limit: ChatHistory.maxMessages))
        let config = agent.config.objectValue ?? [:]
        let (messages, _) = ChatHistory.messages(
            systemPrompt: session.systemPrompt, history: history,
            contextTokens: config["context_tokens"]?.intValue ?? ChatHistory.defaultContextTokens)
        let (provider, modelName) = try catalog.providers.resolve(model)
        let request = ModelRequest(
            model: modelName, messages: messages, temperature: config["temperature"]?.doubleValue, maxTokens: config["max_tokens"]?.intValue,
            options: config.filter { !Self.ownKeys.contains($0.key) })
        let apiKey = try await context.modelAPIKey(config: config, provider: provider)
        let response = try await provider.tracedComplete(
            request, context: ModelCallContext(attempt: context.attempt, apiKey: apiKey), provider: catalog.providers.split(model).provider)
        let cost = catalog.cost(model: model, promptTokens: response.promptTokens, completionTokens: response.completionTokens)
        _ = try await store.chatMessageAppend(
            ChatMessageAppendParams(
                tenantID: agent.tenantID, sessionID: session.id, role: "assistant", content: response.content, model: model,
                promptTokens: response.promptTokens, completionTokens: response.completionTokens, costUSD: cost))
        try await context.usage?.record(
            UsageRecord(
                tenantID: agent.tenantID, agentID: agent.id, taskID: context.task.id, chatSessionID: session.id, model: model,
                promptTokens: response.promptTokens, completionTokens: response.completionTokens, costUSD: cost))
        return (response.content, session.id)
    }

    /// The user's message, stored once: a retried attempt (the model failed) finds it as the
    /// session's newest message and answers it rather than storing it again.
    private func storeUserMessage(_ update: BotUpdate, session: ChatSessionRecord, attempt: Int) async throws -> ChatMessageRecord {
        if attempt > 1,
            let newest = try await store.chatMessageList(ChatMessageListParams(tenantID: session.tenantID, sessionID: session.id, limit: 1)).last,
            newest.role == "user", newest.content == update.text
        {
            return newest
        }
        return try await store.chatMessageAppend(
            ChatMessageAppendParams(tenantID: session.tenantID, sessionID: session.id, role: "user", content: update.text))
    }
}
