import Foundation
import GRDB
import HangarCore
public import HangarStore

extension SQLiteStore {
    /// SQLite has one writer, so the whole claim — candidates, counts, updates — runs in a
    /// single write transaction and nothing can interleave: limits hold by construction.
    public func taskClaim(_ params: TaskClaimParams) async throws -> TaskClaimResult {
        let now = Date()
        let leaseExpires = now.addingTimeInterval(params.leaseDuration.seconds)
        return try await write { db, signals in
            let chosen = try SQLiteStore.select(db, params: params, now: now)
            var claimed: [ClaimedTask] = []
            var agents: [String: Agent] = [:]
            let update = try db.cachedStatement(
                sql: """
                    UPDATE tasks SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_token = ?,
                        lease_expires_at = ?, started_at = COALESCE(started_at, ?), updated_at = ?
                    WHERE id = ? AND status = 'queued'
                    """)
            for candidate in chosen {
                let token = Identifier.leaseToken()
                try update.execute(arguments: [params.workerID, token, leaseExpires.sqlite, now.sqlite, now.sqlite, candidate.taskID])
                let attempt = try Int.fetchOne(db, cached: "SELECT attempts FROM tasks WHERE id = ?", arguments: [candidate.taskID]) ?? 1
                _ = try SQLiteStore.append(
                    db, taskID: candidate.taskID, events: [StatusEvent.make(.running, attempt: attempt, workerID: params.workerID)],
                    now: now, signals: &signals)
                guard let task = try SQLiteStore.fetchTask(db, id: candidate.taskID) else { continue }
                if agents[task.agentID] == nil {
                    agents[task.agentID] = try Row.fetchOne(
                        db, cached: "SELECT \(SQLiteRows.agentColumns) FROM agents WHERE id = ?", arguments: [task.agentID]
                    ).map(SQLiteRows.agent)
                }
                guard let agent = agents[task.agentID] else { continue }
                claimed.append(ClaimedTask(task: task, agent: agent))
            }
            try SQLiteStore.enqueueStarted(db, taskIDs: claimed.map(\.task.id), now: now, signals: &signals)
            // Only an empty claim needs to know when backed-off work comes due.
            let nextRunAt = !claimed.isEmpty ? nil : try Double.fetchOne(
                db, cached: "SELECT min(run_at) FROM tasks WHERE status = 'queued' AND run_at > ?", arguments: [now.sqlite]
            ).map(Date.init(sqlite:))
            return TaskClaimResult(claimed: claimed, nextRunAt: nextRunAt)
        }
    }

    /// The best few runnable tasks of each tenant, skipping agents already at their limit
    /// so that one saturated agent's backlog cannot hide the rest of the queue.
    static func select(_ db: Database, params: TaskClaimParams, now: Date) throws -> [ClaimPlanner.Candidate] {
        var selection = ClaimSelection(limit: params.limit, capacity: params.capacity)
        while let excluded = selection.nextExclusion {
            let (candidates, truncated) = try claimCandidates(db, params: params, now: now, excluding: excluded)
            let pending = selection.fetched(candidates, truncated: truncated)
            guard !pending.isEmpty else { continue }
            let limited = Set(pending.filter { $0.maxConcurrency != nil }.map(\.agentID))
            selection.counted(
                ClaimPlanner.Counts(
                    agentRunning: try runningCounts(db, column: "agent_id", ids: limited),
                    tenantRunning: try runningCounts(db, column: "tenant_id", ids: ClaimSelection.tenantsToCount(pending)),
                    tenantReserved: try reserved(db, tenants: ClaimSelection.tenantsToReserve(pending))))
        }
        return selection.chosen
    }

    static func claimCandidates(
        _ db: Database, params: TaskClaimParams, now: Date, excluding excluded: Set<String>
    ) throws -> (candidates: [ClaimPlanner.Candidate], truncated: Bool) {
        let perTenant = min(1000, max(16, params.limit * 2))
        let tenants = try String.fetchAll(db, cached: "SELECT id FROM tenants")
        var kindFilter = ""
        var kindArguments = StatementArguments()
        if !excluded.isEmpty {
            kindFilter += "AND t.agent_id NOT IN (\(excluded.map { _ in "?" }.joined(separator: ", "))) "
            kindArguments += StatementArguments(Array(excluded))
        }
        if !params.kinds.isEmpty {
            kindFilter += "AND t.agent_kind IN (\(params.kinds.map { _ in "?" }.joined(separator: ", ")))"
            kindArguments += StatementArguments(params.kinds)
        }
        // Without exclusions the text depends on the pool's kinds only (fixed per pool), so the
        // common claim reuses its prepared statement; exclusion lists vary and stay uncached.
        let sql = """
                SELECT t.seq, t.id, t.tenant_id, t.agent_id, t.priority, a.max_concurrency, a.resources, q.max_concurrent_tasks,
                    q.max_cpu, q.max_memory_mb, q.max_gpu
                FROM tasks t JOIN agents a ON a.id = t.agent_id LEFT JOIN tenant_quotas q ON q.tenant_id = t.tenant_id
                WHERE t.tenant_id = ? AND t.status = 'queued' AND t.run_at <= ? \(kindFilter)
                  AND (t.owner_process IS NULL OR t.owner_process = ?)
                  AND NOT (q.token_budget IS NOT NULL AND q.tokens_used >= q.token_budget)
                  AND NOT (a.max_concurrency IS NOT NULL AND a.max_concurrency <=
                        (SELECT count(*) FROM tasks r WHERE r.agent_id = t.agent_id AND r.status = 'running'))
                ORDER BY t.priority DESC, t.seq
                LIMIT ?
                """
        let statement = excluded.isEmpty ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
        var candidates: [ClaimPlanner.Candidate] = []
        var truncated = false
        for tenant in tenants {
            var arguments: StatementArguments = [tenant, now.sqlite]
            arguments += kindArguments
            arguments += [params.processID ?? "", perTenant]
            let rows = try Row.fetchAll(statement, arguments: arguments)
            if rows.count == perTenant { truncated = true }
            for row in rows {
                candidates.append(
                    ClaimPlanner.Candidate(
                        taskID: row["id"], tenantID: row["tenant_id"], agentID: row["agent_id"], priority: row["priority"],
                        position: row["seq"], maxConcurrency: row["max_concurrency"],
                        resources: StorageCoding.resources(row["resources"]), tenantMaxConcurrency: row["max_concurrent_tasks"],
                        tenantMaxResources: TenantQuota.reservationLimit(cpu: row["max_cpu"], memoryMB: row["max_memory_mb"], gpu: row["max_gpu"])))
            }
        }
        return (candidates, truncated)
    }

    /// What each tenant's running tasks reserve together (their agents' `resources`).
    static func reserved(_ db: Database, tenants: Set<String>) throws -> [String: Resources] {
        guard !tenants.isEmpty else { return [:] }
        let marks = tenants.map { _ in "?" }.joined(separator: ", ")
        var sums: [String: Resources] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT t.tenant_id, total(json_extract(a.resources, '$.cpu')), total(json_extract(a.resources, '$.memory_mb')),
                    total(json_extract(a.resources, '$.gpu'))
                FROM tasks t JOIN agents a ON a.id = t.agent_id WHERE t.status = 'running' AND t.tenant_id IN (\(marks)) GROUP BY t.tenant_id
                """,
            arguments: StatementArguments(Array(tenants)))
        {
            let memory: Double = row[2]
            let gpu: Double = row[3]
            sums[row[0]] = Resources(cpu: row[1], memoryMB: Int(memory), gpu: Int(gpu))
        }
        return sums
    }

    static func runningCounts(_ db: Database, column: String, ids: Set<String>) throws -> [String: Int] {
        guard !ids.isEmpty else { return [:] }
        let marks = ids.map { _ in "?" }.joined(separator: ", ")
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT \(column) AS k, count(*) AS n FROM tasks WHERE status = 'running' AND \(column) IN (\(marks)) GROUP BY \(column)",
            arguments: StatementArguments(Array(ids)))
        {
            counts[row["k"]] = row["n"]
        }
        return counts
    }
}
