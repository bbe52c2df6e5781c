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
        try await query(
            """
            SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, model, count(*)::bigint, sum(prompt_tokens)::bigint,
                sum(completion_tokens)::bigint, sum(cost_usd)
            FROM usage_records
            WHERE tenant_id = \(tenantID) AND (\(agentID)::text IS NULL OR agent_id = \(agentID)) AND created_at >= \(since)
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
            SELECT coalesce(sum(cost_usd), 0)::double precision FROM usage_records
            WHERE tenant_id = \(tenantID) AND (\(agentID)::text IS NULL OR agent_id = \(agentID))
            """, logger: logger
        ).first { try $0.decode(Double.self) } ?? 0
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
