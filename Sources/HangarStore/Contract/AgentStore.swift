import Foundation
public import HangarCore

/// Registered agents.
public protocol AgentStore: Sendable {
    func agentInsert(_ params: AgentInsertParams) async throws -> Agent
    /// By id, or by unique name within the tenant.
    func agentGet(tenantID: String, idOrName: String) async throws -> Agent?
    func agentList(_ params: AgentListParams) async throws -> [Agent]
    func agentUpdate(_ params: AgentUpdateParams) async throws -> Agent
    /// Soft-deletes the agent, cancels its queued tasks and asks its running ones to stop.
    func agentDelete(tenantID: String, id: String) async throws
    /// The tenant's live agents (for the agent quota).
    func agentCount(tenantID: String) async throws -> Int
}
