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
        try await context.ensureBudgetLeft()
        let request = ModelRequest(model: model, messages: messages, temperature: temperature, maxTokens: maxTokens)
        let started = ContinuousClock.now
        let response = try await provider.tracedComplete(
            request, context: ModelCallContext(attempt: context.attempt, apiKey: apiKey), provider: catalog.providers.split(modelName).provider)
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
}
