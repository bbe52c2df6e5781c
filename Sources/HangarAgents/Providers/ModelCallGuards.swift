import Foundation
import HangarCore
public import HangarRuntime

/// What every executor that calls models on an agent's behalf (the LLM agent, the browser
/// agent's model) checks and looks up the same way.
extension TaskContext {
    /// Stops an agent whose budget is spent, before it spends more: `budget_exceeded`, not
    /// retried. Called before each model call, so a long run stops at the call that would
    /// cross the line.
    public func ensureBudgetLeft() async throws {
        guard let limit = agent.budgetLimit, let usage else { return }
        let spent = try await usage.spent(tenantID: agent.tenantID, agentID: agent.id)
        if spent >= limit {
            throw TaskFailure(
                code: "budget_exceeded",
                message: String(format: "agent '%@' has spent its budget: $%.4f of $%.4f (budget_limit)", agent.name, spent, limit),
                retryable: false)
        }
    }

    /// The agent's own key for `provider` (`config.api_key_secret`, else the provider's
    /// `api_key_secret`) from its secrets, when it has one; nil: the provider's configured key.
    public func modelAPIKey(config: [String: JSONValue], provider: any ModelProvider) async throws -> String? {
        let secretName = config["api_key_secret"]?.stringValue
            ?? (provider as? OpenAICompatibleProvider)?.endpoint.apiKeySecret ?? (provider as? OllamaProvider)?.endpoint.apiKeySecret
        guard let secretName else { return nil }
        return try await secret(secretName)
    }
}
