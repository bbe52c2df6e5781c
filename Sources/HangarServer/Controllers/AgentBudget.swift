import Foundation
import HangarCore
import HangarStore
import HTTPTypes

/// An agent's `budget_limit` (USD, seed 002), checked before work that would spend more:
/// task submission and chat replies. Spending is the store's usage ledger, shared by every
/// process, so the check holds across API replicas.
enum AgentBudget {
    /// Refuses (429 as seed 004's "Resource Limit Exceeded", recorded as a RESOURCE_EXCEEDED incident) once the agent's recorded
    /// spending has reached its limit.
    static func check(_ store: any UsageStore, agent: Agent) async throws {
        guard let limit = agent.budgetLimit else { return }
        let spent = try await store.usageCost(tenantID: agent.tenantID, agentID: agent.id)
        guard spent < limit else {
            throw APIError(.tooManyRequests, "agent '\(agent.name)' has spent \(usd(spent)) of its budget_limit \(usd(limit)); raise the limit to continue")
                .recording(.resourceExceeded, .medium, agentID: agent.id)
        }
    }

    /// `$0.012345`: enough digits for per-token prices.
    static func usd(_ value: Double) -> String {
        "$" + value.formatted(.number.precision(.fractionLength(2...6)).grouping(.never).locale(Locale(identifier: "en_US_POSIX")))
    }
}
