import Foundation
import HangarCore
public import HangarStore
import PostgresNIO

extension PostgresStore {
    /// One transaction:
    /// 1. lock the best few runnable tasks of each tenant (`FOR UPDATE SKIP LOCKED`: claimers
    ///    never wait on each other's rows and never see the same row);
    /// 2. try-lock each rate-limited agent among them (an advisory lock held to commit), then
    ///    count that agent's running tasks. Claimers of the same agent serialise here and each
    ///    sees the others' committed claims, so a `max_concurrency` of N never admits N+1. An
    ///    agent whose lock another claimer holds is left to that claimer: no waiting, and no
    ///    lock-order deadlocks between rounds;
    /// 3. let `ClaimSelection` choose, and start the chosen attempts with fresh lease tokens.
    public func taskClaim(_ params: TaskClaimParams) async throws -> TaskClaimResult {
        try await transaction { connection, signals in
            var selection = ClaimSelection(limit: params.limit, capacity: params.capacity)
            var locked = Set<String>()
            var lockedTenants = Set<String>()
            while let excluded = selection.nextExclusion {
                let (candidates, truncated) = try await self.claimCandidates(connection, params: params, excluding: excluded)
                let pending = selection.fetched(candidates, truncated: truncated)
                guard !pending.isEmpty else { continue }
                var unavailable = Set<String>()
                for agentID in Set(pending.filter { $0.maxConcurrency != nil }.map(\.agentID)).subtracting(locked).sorted() {
                    let acquired = try await connection.query(
                        "SELECT pg_try_advisory_xact_lock(hashtextextended('hangar.agent:' || \(agentID), 0))", logger: self.logger
                    ).first { try $0.decode(Bool.self) } ?? false
                    if acquired { locked.insert(agentID) } else { unavailable.insert(agentID) }
                }
                // Tenants with a concurrency or reservation quota serialise the same way, on their own lock.
                var unavailableTenants = Set<String>()
                for tenantID in ClaimSelection.tenantsToLock(pending).subtracting(lockedTenants).sorted() {
                    let acquired = try await connection.query(
                        "SELECT pg_try_advisory_xact_lock(hashtextextended('hangar.tenant:' || \(tenantID), 0))", logger: self.logger
                    ).first { try $0.decode(Bool.self) } ?? false
                    if acquired { lockedTenants.insert(tenantID) } else { unavailableTenants.insert(tenantID) }
                }
                let counted = Set(pending.filter { $0.maxConcurrency != nil }.map(\.agentID)).intersection(locked)
                selection.counted(
                    ClaimPlanner.Counts(
                        agentRunning: try await self.runningCounts(connection, column: "agent_id", ids: counted.sorted()),
                        tenantRunning: try await self.runningCounts(
                            connection, column: "tenant_id", ids: ClaimSelection.tenantsToCount(pending).subtracting(unavailableTenants).sorted()),
                        tenantReserved: try await self.reserved(connection, tenants: ClaimSelection.tenantsToReserve(pending).subtracting(unavailableTenants)),
                        unavailableAgents: unavailable, unavailableTenants: unavailableTenants))
            }
            let chosen = selection.chosen
            var claimed: [ClaimedTask] = []
            if !chosen.isEmpty {
                let ids = chosen.map(\.taskID)
                let tokens = ids.map { _ in Identifier.leaseToken() }
                let started = try await self.start(connection, ids: ids, tokens: tokens, params: params)
                // Keep the planner's order (priority, fairness, FIFO).
                let order = Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { $1 })
                claimed = started.sorted { order[$0.task.id, default: 0] < order[$1.task.id, default: 0] }
            }
            // Only an empty claim needs to know when backed-off work comes due.
            let nextRunAt = !claimed.isEmpty ? nil : try await connection.query(
                "SELECT min(run_at) FROM tasks WHERE status = 'queued' AND run_at > now()", logger: self.logger
            ).first { try $0.decode(Date?.self) } ?? nil
            return TaskClaimResult(claimed: claimed, nextRunAt: nextRunAt)
        }
    }

    private func claimCandidates(
        _ connection: PostgresConnection, params: TaskClaimParams, excluding excluded: Set<String>
    ) async throws -> (candidates: [ClaimPlanner.Candidate], truncated: Bool) {
        // Each candidate is row-locked (a heap write, WAL-logged) until the claim commits, so fetch
        // no more per tenant than could be claimed; a fetch cut short by a saturated agent is
        // refetched without it (`ClaimSelection`).
        let perTenant = min(1000, max(1, params.limit))
        let excludedIDs = Array(excluded)
        let candidates = try await connection.run(
            """
            SELECT c.seq, c.id, c.tenant_id, c.agent_id, c.priority, a.max_concurrency, a.resources::text AS resources,
                q.max_concurrent_tasks, q.max_cpu, q.max_memory_mb, q.max_gpu
            FROM tenants te LEFT JOIN tenant_quotas q ON q.tenant_id = te.id CROSS JOIN LATERAL (
                -- Read in the order of the queue index and stop at the limit: the agent check is a
                -- per-row filter, not a join, so a long backlog is never read and sorted whole.
                SELECT t.seq, t.id, t.tenant_id, t.agent_id, t.priority
                FROM tasks t
                WHERE t.tenant_id = te.id AND t.status = 'queued' AND t.run_at <= now()
                  AND (cardinality(\(params.kinds)::text[]) = 0 OR t.agent_kind = ANY(\(params.kinds)::text[]))
                  AND t.agent_id <> ALL(\(excludedIDs)::text[])
                  -- A task pinned to its session's owner is claimed there only.
                  AND (t.owner_process IS NULL OR t.owner_process = \(params.processID ?? ""))
                  -- An agent at its max_concurrency is skipped here, so its backlog hides no one else's.
                  AND (SELECT a.max_concurrency IS NULL
                          OR a.max_concurrency > (SELECT count(*) FROM tasks r WHERE r.agent_id = a.id AND r.status = 'running')
                       FROM agents a WHERE a.id = t.agent_id)
                ORDER BY t.priority DESC, t.seq
                LIMIT \(perTenant)::bigint
                FOR UPDATE OF t SKIP LOCKED
            ) c JOIN agents a ON a.id = c.agent_id
            WHERE NOT (q.token_budget IS NOT NULL AND q.tokens_used >= q.token_budget)
            """, as: Shapes.ClaimCandidates.self, logger: logger
        ).map { row in
            let (seq, id, tenantID, agentID, priority, maxConcurrency, resources, tenantMax, maxCPU, maxMemory, maxGPU) = try row.decode(
                (Int64, String, String, String, Int, Int?, String, Int?, Double?, Int?, Int?).self)
            return ClaimPlanner.Candidate(
                taskID: id, tenantID: tenantID, agentID: agentID, priority: priority, position: seq,
                maxConcurrency: maxConcurrency, resources: StorageCoding.resources(resources), tenantMaxConcurrency: tenantMax,
                tenantMaxResources: TenantQuota.reservationLimit(cpu: maxCPU, memoryMB: maxMemory, gpu: maxGPU))
        }
        let perTenantCounts = Dictionary(grouping: candidates, by: \.tenantID).values.map(\.count)
        return (candidates, perTenantCounts.contains { $0 >= perTenant })
    }

    /// What each tenant's running tasks reserve together (their agents' `resources`).
    private func reserved(_ connection: PostgresConnection, tenants: Set<String>) async throws -> [String: Resources] {
        guard !tenants.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT t.tenant_id, coalesce(sum((a.resources->>'cpu')::float8), 0)::float8,
                coalesce(sum((a.resources->>'memory_mb')::bigint), 0)::bigint, coalesce(sum((a.resources->>'gpu')::bigint), 0)::bigint
            FROM tasks t JOIN agents a ON a.id = t.agent_id
            WHERE t.status = 'running' AND t.tenant_id = ANY(\(Array(tenants))::text[]) GROUP BY t.tenant_id
            """, logger: logger
        ).all { try $0.decode((String, Double, Int, Int).self) }
        return Dictionary(rows.map { ($0.0, Resources(cpu: $0.1, memoryMB: $0.2, gpu: $0.3)) }, uniquingKeysWith: { $1 })
    }

    private func runningCounts(_ connection: PostgresConnection, column: String, ids: [String]) async throws -> [String: Int] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT \(unescaped: column), count(*)::bigint FROM tasks
            WHERE status = 'running' AND \(unescaped: column) = ANY(\(ids)::text[]) GROUP BY \(unescaped: column)
            """, logger: logger
        ).all { try $0.decode((String, Int).self) }
        return Dictionary(rows, uniquingKeysWith: { $1 })
    }
}
