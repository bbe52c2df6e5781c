import HangarCore
import HangarStore

/// Seed 000 submits browser tasks without naming an agent (`{"task", "mode", "max_steps",
/// "options"}`): such a task goes to the tenant's agent named `name` (`HANGAR_DEFAULT_BROWSER_AGENT`,
/// `browser` by default). When the tenant has none and `model` (`HANGAR_DEFAULT_BROWSER_MODEL`)
/// is set, the agent is created on first use, as an operator would have; otherwise the task is
/// refused with a 422 that says both ways out.
struct DefaultBrowserAgent: Sendable {
    var name: String
    var model: String?
    /// Why a model cannot be used (no such provider, no default provider), from the catalogue.
    var modelProblem: @Sendable (String) -> String?

    static let kind = "browser"

    func resolve(_ store: any AgentStore & QuotaStore & AuditStore, context: HangarRequestContext) async throws -> Agent {
        if let agent = try await store.agentGet(tenantID: context.tenantID, idOrName: name) { return agent }
        guard let model else {
            throw APIError.invalid(
                "agent_id",
                "is required: a task without one goes to the browser agent '\(name)', which this tenant does not have. "
                    + "Create it (POST /api/v1/agents with kind browser and name '\(name)'), name another agent in agent_id, "
                    + "or set HANGAR_DEFAULT_BROWSER_MODEL so that Hangar creates it on first use")
        }
        if let problem = modelProblem(model) {
            throw APIError.invalid("agent_id", "is required: the default browser agent cannot be created, HANGAR_DEFAULT_BROWSER_MODEL \(problem)")
        }
        try await QuotaController.checkAgentCreation(store, tenantID: context.tenantID)
        let params = AgentInsertParams(
            tenantID: context.tenantID, name: name, description: "Created for tasks submitted without an agent_id (seed 000)",
            kind: Self.kind, model: model)
        do {
            let agent = try await store.agentInsert(params)
            await AuditLog.record(
                store, context, action: "agent.create", resourceType: "agent", resourceID: agent.id,
                details: ["name": .string(agent.name), "implicit": true])
            return agent
        } catch HangarError.conflict {
            // Another submission created it first.
            guard let agent = try await store.agentGet(tenantID: context.tenantID, idOrName: name) else { throw HangarError.conflict("agent '\(name)' changed while it was created") }
            return agent
        }
    }
}
