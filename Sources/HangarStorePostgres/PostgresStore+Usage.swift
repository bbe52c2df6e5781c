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
