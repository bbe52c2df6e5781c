import Foundation
public import HangarCore
import HangarStore
import PostgresNIO

extension PostgresStore {
    public func usageAppend(_ record: UsageRecord) async throws {
        _ = try await query(
            """
            INSERT INTO usage_records (id, tenant_id, agent_id, task_id, chat_session_id, model, prompt_tokens, completion_tokens,
                cost_usd, created_at)
            VALUES (\(record.id), \(record.tenantID), \(record.agentID), \(record.taskID), \(record.chatSessionID), \(record.model),
                \(record.promptTokens), \(record.completionTokens), \(record.costUSD), \(record.createdAt))
            """, logger: logger)
    }

    /// Inserts usage rows inside the caller's transaction, all in one statement.
    func insertUsage(_ connection: PostgresConnection, _ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        let columns = UsageColumns(records)
        _ = try await connection.query(
            """
            INSERT INTO usage_records (id, tenant_id, agent_id, task_id, chat_session_id, model, prompt_tokens, completion_tokens,
                cost_usd, created_at)
            SELECT id, tenant_id, NULLIF(agent_id, ''), NULLIF(task_id, ''), NULLIF(chat_session_id, ''), model, prompt_tokens,
                completion_tokens, cost_usd, created_at
            FROM unnest(\(columns.ids)::text[], \(columns.tenantIDs)::text[], \(columns.agentIDs)::text[], \(columns.taskIDs)::text[],
                \(columns.chatSessionIDs)::text[], \(columns.models)::text[], \(columns.promptTokens)::bigint[],
                \(columns.completionTokens)::bigint[], \(columns.costs)::double precision[], \(columns.createdAts)::timestamptz[])
                AS u(id, tenant_id, agent_id, task_id, chat_session_id, model, prompt_tokens, completion_tokens, cost_usd, created_at)
            """, logger: logger)
    }

    public func usageDaily(tenantID: String, agentID: String?, since: Date) async throws -> [UsageDay] {
        // Folded days count whole: their records are older than the retention period, and
        // reports ask for whole days.
        try await query(
            """
            SELECT day, model, sum(requests)::bigint, sum(prompt_tokens)::bigint, sum(completion_tokens)::bigint,
                sum(cost_usd)::double precision
            FROM (
                SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, model, count(*) AS requests,
                    sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cost_usd) AS cost_usd
                FROM usage_records
                WHERE tenant_id = \(tenantID) AND (\(agentID)::text IS NULL OR agent_id = \(agentID)) AND created_at >= \(since)
                GROUP BY 1, 2
                UNION ALL
                SELECT day, model, requests, prompt_tokens, completion_tokens, cost_usd FROM usage_daily
                WHERE tenant_id = \(tenantID) AND (\(agentID)::text IS NULL OR agent_id = \(agentID))
                    AND day >= to_char(\(since)::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD')
            ) AS usage
            GROUP BY day, model ORDER BY day, model
            """, logger: logger
        ).all { row in
            let (day, model, requests, prompt, completion, cost) = try row.decode((String, String, Int, Int, Int, Double).self)
            return UsageDay(day: day, model: model, requests: requests, promptTokens: prompt, completionTokens: completion, costUSD: cost)
        }
    }

    public func usageCost(tenantID: String, agentID: String?) async throws -> Double {
        try await query(
            """
            SELECT ((SELECT coalesce(sum(cost_usd), 0) FROM usage_records
                    WHERE tenant_id = \(tenantID) AND (\(agentID)::text IS NULL OR agent_id = \(agentID)))
                + (SELECT coalesce(sum(cost_usd), 0) FROM usage_daily
                    WHERE tenant_id = \(tenantID) AND (\(agentID)::text IS NULL OR agent_id = \(agentID))))::double precision
            """, logger: logger
        ).first { try $0.decode(Double.self) } ?? 0
    }

    /// One statement: the records leave and their sums arrive together. A second process
    /// compacting at the same time finds the rows already deleted, so nothing counts twice.
    public func usageCompact(before: Date, limit: Int) async throws -> Int {
        try await query(
            """
            WITH batch AS (
                DELETE FROM usage_records
                WHERE seq IN (SELECT seq FROM usage_records WHERE created_at < \(before) ORDER BY created_at LIMIT \(limit))
                RETURNING tenant_id, agent_id, created_at, model, prompt_tokens, completion_tokens, cost_usd
            ), folded AS (
                INSERT INTO usage_daily (tenant_id, agent_id, day, model, requests, prompt_tokens, completion_tokens, cost_usd)
                SELECT tenant_id, coalesce(agent_id, ''), to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), model, count(*),
                    sum(prompt_tokens), sum(completion_tokens), sum(cost_usd)
                FROM batch GROUP BY 1, 2, 3, 4
                ON CONFLICT (tenant_id, agent_id, day, model) DO UPDATE SET
                    requests = usage_daily.requests + excluded.requests,
                    prompt_tokens = usage_daily.prompt_tokens + excluded.prompt_tokens,
                    completion_tokens = usage_daily.completion_tokens + excluded.completion_tokens,
                    cost_usd = usage_daily.cost_usd + excluded.cost_usd
            )
            SELECT count(*)::bigint FROM batch
            """, logger: logger
        ).first { try $0.decode(Int.self) } ?? 0
    }
}

/// Usage records as one array per column, for `unnest` (an empty string stands for NULL:
/// no id is empty).
struct UsageColumns {
    var ids: [String] = []
    var tenantIDs: [String] = []
    var agentIDs: [String] = []
    var taskIDs: [String] = []
    var chatSessionIDs: [String] = []
    var models: [String] = []
    var promptTokens: [Int] = []
    var completionTokens: [Int] = []
    var costs: [Double] = []
    var createdAts: [Date] = []

    init(_ records: [UsageRecord]) {
        for record in records {
            ids.append(record.id)
            tenantIDs.append(record.tenantID)
            agentIDs.append(record.agentID ?? "")
            taskIDs.append(record.taskID ?? "")
            chatSessionIDs.append(record.chatSessionID ?? "")
            models.append(record.model)
            promptTokens.append(record.promptTokens)
            completionTokens.append(record.completionTokens)
            costs.append(record.costUSD)
            createdAts.append(record.createdAt)
        }
    }
}
