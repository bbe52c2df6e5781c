import Foundation
import HangarAgents
import HangarCore
import HangarRuntime

/// One task's model calls, accounted as the LLM executor accounts them: the agent's budget is
/// checked before each call, and each call is recorded in the usage ledger and the provider
/// metrics as it returns. Keeps the task's totals for its `usage`.
struct ModelCaller {
    let context: TaskContext
    let provider: any ModelProvider
    /// Within the provider (`gpt-4o` of `openai/gpt-4o`).
    let model: String
    /// As the agent names it (`openai/gpt-4o`), for prices, usage and metrics.
    let modelName: String
    let catalog: ModelCatalog
    let apiKey: String?
    let temperature: Double?
    let maxTokens: Int?

    private(set) var promptTokens = 0
    private(set) var completionTokens = 0
    private(set) var cost = 0.0
    private(set) var calls = 0

    init(
        context: TaskContext, provider: any ModelProvider, model: String, modelName: String, catalog: ModelCatalog, apiKey: String?,
        temperature: Double?, maxTokens: Int?
    ) {
        self.context = context
        self.provider = provider
        self.model = model
        self.modelName = modelName
        self.catalog = catalog
        self.apiKey = apiKey
        self.temperature = temperature
        self.maxTokens = maxTokens
    }

    /// The reply's text.
    mutating func complete(_ messages: [ChatMessage]) async throws -> String {
        try await checkBudget()
        let request = ModelRequest(model: model, messages: messages, temperature: temperature, maxTokens: maxTokens)
        let started = ContinuousClock.now
        let response = try await provider.complete(request, context: ModelCallContext(attempt: context.attempt, apiKey: apiKey))
        context.metrics?.providerRequest(
            provider: catalog.providers.split(modelName).provider, duration: ContinuousClock.now - started, promptTokens: response.promptTokens,
            completionTokens: response.completionTokens)
        let callCost = catalog.cost(model: modelName, promptTokens: response.promptTokens, completionTokens: response.completionTokens)
        calls += 1
        promptTokens += response.promptTokens
        completionTokens += response.completionTokens
        cost += callCost
        try await context.usage?.record(
            UsageRecord(
                tenantID: context.agent.tenantID, agentID: context.agent.id, taskID: context.task.id, model: modelName,
                promptTokens: response.promptTokens, completionTokens: response.completionTokens, costUSD: callCost))
        return response.content
    }

    /// The task's `usage`.
    var usage: JSONValue {
        [
            "prompt_tokens": .int(Int64(promptTokens)), "completion_tokens": .int(Int64(completionTokens)),
            "total_tokens": .int(Int64(promptTokens + completionTokens)), "cost_usd": .double(cost), "model": .string(modelName),
            "model_calls": .int(Int64(calls)),
        ]
    }

    /// Stops an agent whose budget is spent, before it spends more.
    private func checkBudget() async throws {
        guard let limit = context.agent.budgetLimit, let usage = context.usage else { return }
        let spent = try await usage.spent(tenantID: context.agent.tenantID, agentID: context.agent.id)
        if spent >= limit {
            throw TaskFailure(
                code: "budget_exceeded",
                message: String(format: "agent '%@' has spent its budget: $%.4f of $%.4f (budget_limit)", context.agent.name, spent, limit),
                retryable: false)
        }
    }

    /// The agent's own key (`config.api_key_secret`, else the provider's `api_key_secret`)
    /// from its secrets, when it has one; otherwise the provider's configured key.
    static func apiKey(_ context: TaskContext, config: [String: JSONValue], provider: any ModelProvider) async throws -> String? {
        let secretName = config["api_key_secret"]?.stringValue
            ?? (provider as? OpenAICompatibleProvider)?.endpoint.apiKeySecret ?? (provider as? OllamaProvider)?.endpoint.apiKeySecret
        guard let secretName else { return nil }
        return try await context.secret(secretName)
    }
}
