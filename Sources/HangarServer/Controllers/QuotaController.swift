import Foundation
import HangarAuth
import HangarCore
import HangarStore
import Hummingbird

/// `GET|PUT /api/v1/quotas`: a tenant's limits and current use. Anyone in the tenant may
/// read them; only admins of the default tenant change them (any tenant's, by `tenant_id`).
struct QuotaController {
    let store: any QuotaStore & AgentStore & TaskStore & IdentityStore & AuditStore
    let configuration: ServerConfiguration

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.get("/api/v1/quotas", use: get)
        router.put("/api/v1/quotas", use: set)
    }

    @Sendable func get(_ request: Request, context: HangarRequestContext) async throws -> Response {
        var tenant = context.tenantID
        if let requested = Query(request).string("tenant_id"), requested != tenant {
            guard context.principal?.isSystemAdmin == true else { throw APIError.notFound("tenant", requested) }
            tenant = requested
        }
        return JSONResponse.make(try await Self.json(store, try await store.quotaGet(tenantID: tenant)))
    }

    @Sendable func set(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: [
            "tenant_id", "max_concurrent_tasks", "max_tasks_per_hour", "max_agents", "max_cpu", "max_memory_mb", "max_gpu", "token_budget",
            "reset_token_usage",
        ])
        let tenant = try body.string("tenant_id", maxLength: 64) ?? context.tenantID
        guard try await store.tenantList().contains(where: { $0.id == tenant }) else { throw APIError.notFound("tenant", tenant) }
        var quota = try await store.quotaGet(tenantID: tenant)
        if body.has("max_concurrent_tasks") { quota.maxConcurrentTasks = try body.int("max_concurrent_tasks", in: 1...1_000_000) }
        if body.has("max_tasks_per_hour") { quota.maxTasksPerHour = try body.int("max_tasks_per_hour", in: 1...100_000_000) }
        if body.has("max_agents") { quota.maxAgents = try body.int("max_agents", in: 1...1_000_000) }
        if body.has("max_cpu") { quota.maxCPU = try body.double("max_cpu", in: 0...1_000_000) }
        if body.has("max_memory_mb") { quota.maxMemoryMB = try body.int("max_memory_mb", in: 0...1_000_000_000) }
        if body.has("max_gpu") { quota.maxGPU = try body.int("max_gpu", in: 0...100_000) }
        if body.has("token_budget") { quota.tokenBudget = try body.int("token_budget", in: 0...Int(Int64.max / 2)) }
        try await store.quotaSet(quota)
        if try body.bool("reset_token_usage") == true {
            try await store.quotaTokensReset(tenantID: tenant)
            quota.tokensUsed = 0
        }
        await AuditLog.record(store, context, action: "quota.update", resourceType: "tenant", resourceID: tenant, details: try await Self.json(store, quota))
        return JSONResponse.make(try await Self.json(store, quota))
    }

    static func json(_ store: any AgentStore & TaskStore, _ quota: TenantQuota) async throws -> JSONValue {
        func number(_ value: Int?) -> JSONValue { value.map { .int(Int64($0)) } ?? .null }
        let counts = try await store.taskCounts(tenantID: quota.tenantID)
        return [
            "tenant_id": .string(quota.tenantID),
            "max_concurrent_tasks": number(quota.maxConcurrentTasks), "max_tasks_per_hour": number(quota.maxTasksPerHour),
            "max_agents": number(quota.maxAgents), "max_cpu": quota.maxCPU.map(JSONValue.double) ?? .null,
            "max_memory_mb": number(quota.maxMemoryMB), "max_gpu": number(quota.maxGPU), "token_budget": number(quota.tokenBudget),
            "usage": [
                "tokens_used": .int(Int64(quota.tokensUsed)),
                "running_tasks": .int(Int64(counts.byStatus[.running] ?? 0)),
                "tasks_last_hour": .int(Int64(try await store.taskCountSince(tenantID: quota.tenantID, since: Date().addingTimeInterval(-3600)))),
                "agents": .int(Int64(try await store.agentCount(tenantID: quota.tenantID))),
            ],
        ]
    }

    /// Refuses a submission beyond the tenant's hourly quota (429, naming it), one whose agent
    /// reserves more than the tenant's reservation quota allows at all, or one after the token
    /// budget is spent (429, naming it: seed 004's "Resource Limit Exceeded").
    static func checkSubmission(_ store: any QuotaStore & TaskStore, tenantID: String, agent: Agent) async throws {
        let quota = try await store.quotaGet(tenantID: tenantID)
        if let limit = quota.reservationLimit, !agent.resources.fits(in: limit) {
            var names: [String] = []
            if let cpu = quota.maxCPU, agent.resources.cpu > cpu { names.append("max_cpu") }
            if let memory = quota.maxMemoryMB, agent.resources.memoryMB > memory { names.append("max_memory_mb") }
            if let gpu = quota.maxGPU, agent.resources.gpu > gpu { names.append("max_gpu") }
            throw APIError(.tooManyRequests, "agent '\(agent.name)' reserves more than the tenant's quota \(names.joined(separator: ", ")) allows; its tasks could never start")
                .recording(.resourceExceeded, .medium, agentID: agent.id)
        }
        if quota.budgetExhausted, let budget = quota.tokenBudget {
            throw APIError(.tooManyRequests, "quota token_budget (\(budget) tokens) is spent for tenant '\(tenantID)' (\(quota.tokensUsed) used)")
                .recording(.resourceExceeded, .medium, agentID: agent.id)
        }
        guard let limit = quota.maxTasksPerHour else { return }
        let used = try await store.taskCountSince(tenantID: tenantID, since: Date().addingTimeInterval(-3600))
        guard used < limit else {
            throw APIError(.tooManyRequests, "quota max_tasks_per_hour (\(limit)) reached for tenant '\(tenantID)'", headers: [.retryAfter: "60"])
                .recording(.resourceExceeded, .medium)
        }
    }

    /// Refuses an agent beyond the tenant's quota (429, naming it, as seed 004 answers).
    static func checkAgentCreation(_ store: any QuotaStore & AgentStore, tenantID: String) async throws {
        guard let limit = try await store.quotaGet(tenantID: tenantID).maxAgents else { return }
        guard try await store.agentCount(tenantID: tenantID) < limit else {
            throw APIError(.tooManyRequests, "quota max_agents (\(limit)) reached for tenant '\(tenantID)'").recording(.resourceExceeded, .medium)
        }
    }
}
