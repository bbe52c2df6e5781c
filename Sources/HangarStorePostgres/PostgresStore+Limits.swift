import Foundation
public import HangarCore
import HangarStore
import PostgresNIO

extension PostgresStore {
    public func quotaGet(tenantID: String) async throws -> TenantQuota {
        let row = try await prepared(
            """
            SELECT max_concurrent_tasks, max_tasks_per_hour, max_agents, max_cpu, max_memory_mb, max_gpu, token_budget, tokens_used
            FROM tenant_quotas WHERE tenant_id = \(tenantID)
            """, as: Shapes.QuotaGet.self
        ).first.map { try $0.decode((Int?, Int?, Int?, Double?, Int?, Int?, Int?, Int).self) }
        guard let (concurrent, hourly, agents, cpu, memory, gpu, budget, used) = row else { return TenantQuota(tenantID: tenantID) }
        return TenantQuota(
            tenantID: tenantID, maxConcurrentTasks: concurrent, maxTasksPerHour: hourly, maxAgents: agents, maxCPU: cpu, maxMemoryMB: memory,
            maxGPU: gpu, tokenBudget: budget, tokensUsed: used)
    }

    public func quotaSet(_ quota: TenantQuota) async throws {
        try await transaction { connection, signals in
            try await connection.query(
                """
                INSERT INTO tenant_quotas (tenant_id, max_concurrent_tasks, max_tasks_per_hour, max_agents, max_cpu, max_memory_mb, max_gpu,
                    token_budget, updated_at)
                VALUES (\(quota.tenantID), \(quota.maxConcurrentTasks), \(quota.maxTasksPerHour), \(quota.maxAgents), \(quota.maxCPU),
                    \(quota.maxMemoryMB), \(quota.maxGPU), \(quota.tokenBudget), now())
                ON CONFLICT (tenant_id) DO UPDATE SET max_concurrent_tasks = excluded.max_concurrent_tasks,
                    max_tasks_per_hour = excluded.max_tasks_per_hour, max_agents = excluded.max_agents, max_cpu = excluded.max_cpu,
                    max_memory_mb = excluded.max_memory_mb, max_gpu = excluded.max_gpu, token_budget = excluded.token_budget, updated_at = now()
                """, logger: self.logger)
            signals.append(.taskAvailable)
        }
    }

    public func quotaTokensReset(tenantID: String) async throws {
        try await transaction { connection, signals in
            try await connection.query("UPDATE tenant_quotas SET tokens_used = 0 WHERE tenant_id = \(tenantID)", logger: self.logger)
            signals.append(.taskAvailable)
        }
    }

    public func taskCountSince(tenantID: String, since: Date) async throws -> Int {
        try await query(
            "SELECT count(*)::bigint FROM tasks WHERE tenant_id = \(tenantID) AND created_at >= \(since)", logger: logger
        ).first { try $0.decode(Int.self) } ?? 0
    }

    public func agentCount(tenantID: String) async throws -> Int {
        try await query(
            "SELECT count(*)::bigint FROM agents WHERE tenant_id = \(tenantID) AND deleted_at IS NULL", logger: logger
        ).first { try $0.decode(Int.self) } ?? 0
    }

    /// One statement: the row lock of the upsert makes concurrent takers (from any replica)
    /// queue on the bucket, so no token is handed out twice.
    public func rateLimitTake(key: String, capacity: Double, refillPerSecond: Double) async throws -> RateLimitDecision {
        let row = try await query(
            """
            INSERT INTO rate_buckets AS b (key, tokens, allowed, updated_at) VALUES (\(key), \(capacity) - 1, true, now())
            ON CONFLICT (key) DO UPDATE SET
                allowed = LEAST(\(capacity), b.tokens + GREATEST(0, EXTRACT(EPOCH FROM now() - b.updated_at)) * \(refillPerSecond)) >= 1,
                tokens = LEAST(\(capacity), b.tokens + GREATEST(0, EXTRACT(EPOCH FROM now() - b.updated_at)) * \(refillPerSecond))
                    - CASE WHEN LEAST(\(capacity), b.tokens + GREATEST(0, EXTRACT(EPOCH FROM now() - b.updated_at)) * \(refillPerSecond)) >= 1
                        THEN 1 ELSE 0 END,
                updated_at = now()
            RETURNING allowed, tokens
            """, logger: logger
        ).first { try $0.decode((Bool, Double).self) }
        let (allowed, tokens) = row ?? (false, 0)
        return RateLimitDecision(
            allowed: allowed, remaining: Int(tokens.rounded(.down)), retryAfter: allowed ? 0 : (1 - tokens) / max(refillPerSecond, 1e-9))
    }

    /// A taker that updates a bucket meanwhile moves its `updated_at` past the cutoff; the delete
    /// re-checks the row after the lock and keeps it.
    public func rateLimitPrune(idleSince: Date) async throws -> Int {
        try await query(
            "WITH gone AS (DELETE FROM rate_buckets WHERE updated_at < \(idleSince) RETURNING 1) SELECT count(*)::bigint FROM gone",
            logger: logger
        ).first { try $0.decode(Int.self) } ?? 0
    }
}
