import Foundation
import GRDB
public import HangarCore
import HangarStore

extension SQLiteStore {
    public func quotaGet(tenantID: String) async throws -> TenantQuota {
        try await read { db in
            guard let row = try Row.fetchOne(
                db,
                cached: """
                    SELECT max_concurrent_tasks, max_tasks_per_hour, max_agents, max_cpu, max_memory_mb, max_gpu, token_budget, tokens_used
                    FROM tenant_quotas WHERE tenant_id = ?
                    """,
                arguments: [tenantID])
            else { return TenantQuota(tenantID: tenantID) }
            return TenantQuota(
                tenantID: tenantID, maxConcurrentTasks: row[0], maxTasksPerHour: row[1], maxAgents: row[2], maxCPU: row[3], maxMemoryMB: row[4],
                maxGPU: row[5], tokenBudget: row[6], tokensUsed: row[7])
        }
    }

    public func quotaSet(_ quota: TenantQuota) async throws {
        let now = Date()
        try await write { db, signals in
            try db.execute(
                cached: """
                    INSERT INTO tenant_quotas (tenant_id, max_concurrent_tasks, max_tasks_per_hour, max_agents, max_cpu, max_memory_mb, max_gpu,
                        token_budget, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (tenant_id) DO UPDATE SET max_concurrent_tasks = excluded.max_concurrent_tasks,
                        max_tasks_per_hour = excluded.max_tasks_per_hour, max_agents = excluded.max_agents, max_cpu = excluded.max_cpu,
                        max_memory_mb = excluded.max_memory_mb, max_gpu = excluded.max_gpu, token_budget = excluded.token_budget,
                        updated_at = excluded.updated_at
                    """,
                arguments: [
                    quota.tenantID, quota.maxConcurrentTasks, quota.maxTasksPerHour, quota.maxAgents, quota.maxCPU, quota.maxMemoryMB, quota.maxGPU,
                    quota.tokenBudget, now.sqlite,
                ])
            signals.append(.taskAvailable)  // a raised limit may free queued work
        }
    }

    public func quotaTokensReset(tenantID: String) async throws {
        try await write { db, signals in
            try db.execute(cached: "UPDATE tenant_quotas SET tokens_used = 0 WHERE tenant_id = ?", arguments: [tenantID])
            signals.append(.taskAvailable)
        }
    }

    public func taskCountSince(tenantID: String, since: Date) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, cached: "SELECT count(*) FROM tasks WHERE tenant_id = ? AND created_at >= ?", arguments: [tenantID, since.sqlite]) ?? 0
        }
    }

    public func agentCount(tenantID: String) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, cached: "SELECT count(*) FROM agents WHERE tenant_id = ? AND deleted_at IS NULL", arguments: [tenantID]) ?? 0
        }
    }

    public func rateLimitTake(key: String, capacity: Double, refillPerSecond: Double) async throws -> RateLimitDecision {
        let now = Date()
        return try await write { db, _ in
            var tokens = capacity
            if let row = try Row.fetchOne(db, cached: "SELECT tokens, updated_at FROM rate_buckets WHERE key = ?", arguments: [key]) {
                let stored: Double = row[0]
                let updated: Double = row[1]
                tokens = min(capacity, stored + max(0, now.sqlite - updated) * refillPerSecond)
            }
            let allowed = tokens >= 1
            if allowed { tokens -= 1 }
            try db.execute(
                cached: """
                    INSERT INTO rate_buckets (key, tokens, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at
                    """,
                arguments: [key, tokens, now.sqlite])
            return RateLimitDecision(
                allowed: allowed, remaining: Int(tokens.rounded(.down)), retryAfter: allowed ? 0 : (1 - tokens) / max(refillPerSecond, 1e-9))
        }
    }

    public func rateLimitPrune(idleSince: Date) async throws -> Int {
        try await write { db, _ in
            try db.execute(cached: "DELETE FROM rate_buckets WHERE updated_at < ?", arguments: [idleSince.sqlite])
            return db.changesCount
        }
    }
}
