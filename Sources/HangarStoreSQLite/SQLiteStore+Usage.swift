import Foundation
import GRDB
public import HangarCore
import HangarStore

extension SQLiteStore {
    public func usageAppend(_ record: UsageRecord) async throws {
        try await write { db, _ in try Self.insertUsage(db, [record]) }
    }

    /// Inserts usage rows inside the caller's transaction (`usageAppend`, `taskFinish`).
    static func insertUsage(_ db: Database, _ records: [UsageRecord]) throws {
        for record in records {
            try db.execute(
                cached: """
                    INSERT INTO usage_records (id, tenant_id, agent_id, task_id, chat_session_id, model, prompt_tokens, completion_tokens,
                        cost_usd, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.id, record.tenantID, record.agentID, record.taskID, record.chatSessionID, record.model, record.promptTokens,
                    record.completionTokens, record.costUSD, record.createdAt.sqlite,
                ])
        }
    }

    public func usageDaily(tenantID: String, agentID: String?, since: Date) async throws -> [UsageDay] {
        let (filter, arguments) = Self.usageFilter(tenantID: tenantID, agentID: agentID)
        // Folded days count whole: their records are older than the retention period, and
        // reports ask for whole days.
        return try await read { db in
            try Row.fetchAll(
                db,
                cached: """
                    SELECT day, model, sum(requests), sum(prompt_tokens), sum(completion_tokens), sum(cost_usd) FROM (
                        SELECT strftime('%Y-%m-%d', created_at, 'unixepoch') AS day, model, count(*) AS requests,
                            sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cost_usd) AS cost_usd
                        FROM usage_records WHERE \(filter) AND created_at >= ?
                        GROUP BY day, model
                        UNION ALL
                        SELECT day, model, requests, prompt_tokens, completion_tokens, cost_usd
                        FROM usage_daily WHERE \(filter) AND day >= strftime('%Y-%m-%d', ?, 'unixepoch')
                    )
                    GROUP BY day, model ORDER BY day, model
                    """,
                arguments: arguments + [since.sqlite] + arguments + [since.sqlite]
            ).map { row in
                UsageDay(day: row[0], model: row[1], requests: row[2], promptTokens: row[3], completionTokens: row[4], costUSD: row[5])
            }
        }
    }

    public func usageCost(tenantID: String, agentID: String?) async throws -> Double {
        let (filter, arguments) = Self.usageFilter(tenantID: tenantID, agentID: agentID)
        return try await read { db in
            try Double.fetchOne(
                db,
                cached: """
                    SELECT (SELECT coalesce(sum(cost_usd), 0.0) FROM usage_records WHERE \(filter))
                        + (SELECT coalesce(sum(cost_usd), 0.0) FROM usage_daily WHERE \(filter))
                    """,
                arguments: arguments + arguments) ?? 0
        }
    }

    public func usageCompact(before: Date, limit: Int) async throws -> Int {
        try await write { db, _ in
            let seqs = try Int64.fetchAll(
                db, cached: "SELECT seq FROM usage_records WHERE created_at < ? ORDER BY created_at LIMIT ?", arguments: [before.sqlite, limit])
            guard !seqs.isEmpty else { return 0 }
            let marks = seqs.map { _ in "?" }.joined(separator: ", ")
            try db.execute(
                sql: """
                    INSERT INTO usage_daily (tenant_id, agent_id, day, model, requests, prompt_tokens, completion_tokens, cost_usd)
                    SELECT tenant_id, coalesce(agent_id, ''), strftime('%Y-%m-%d', created_at, 'unixepoch'), model, count(*),
                        sum(prompt_tokens), sum(completion_tokens), sum(cost_usd)
                    FROM usage_records WHERE seq IN (\(marks))
                    GROUP BY 1, 2, 3, 4
                    ON CONFLICT (tenant_id, agent_id, day, model) DO UPDATE SET
                        requests = requests + excluded.requests, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
                        completion_tokens = completion_tokens + excluded.completion_tokens, cost_usd = cost_usd + excluded.cost_usd
                    """, arguments: StatementArguments(seqs))
            try db.execute(sql: "DELETE FROM usage_records WHERE seq IN (\(marks))", arguments: StatementArguments(seqs))
            return seqs.count
        }
    }

    /// Two fixed statements (tenant, or tenant and agent), so each can use the index.
    private static func usageFilter(tenantID: String, agentID: String?) -> (String, StatementArguments) {
        if let agentID { return ("tenant_id = ? AND agent_id = ?", [tenantID, agentID]) }
        return ("tenant_id = ?", [tenantID])
    }
}
