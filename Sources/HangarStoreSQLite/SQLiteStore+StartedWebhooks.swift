import Foundation
import GRDB
import HangarCore
import HangarStore

extension SQLiteStore {
    /// Writes a `task.started` outbox row per matching subscription for every task of one claim,
    /// inside the claim's transaction. One statement for the whole batch, driven by the
    /// subscriptions index: a tenant that subscribes to no `task.started` costs an empty join.
    /// Callbacks (`callback_url`) are left out: they hear about final statuses only.
    static func enqueueStarted(_ db: Database, taskIDs: [String], now: Date, signals: inout [QueueSignal]) throws {
        guard !taskIDs.isEmpty else { return }
        let ids = String(decoding: try JSONEncoder().encode(taskIDs), as: UTF8.self)
        try db.execute(
            cached: """
                INSERT INTO webhook_deliveries (id, tenant_id, task_id, subscription_id, url, event_type, status, attempts,
                    next_attempt_at, created_at, updated_at, task_attempt)
                SELECT 'msg_' || lower(hex(randomblob(16))), t.tenant_id, t.id, s.id, s.url, ?1, 'pending', '[]', ?2, ?2, ?2, t.attempts
                FROM json_each(?3) j JOIN tasks t ON t.id = j.value JOIN webhook_subscriptions s ON s.tenant_id = t.tenant_id
                WHERE s.is_active = 1 AND instr(s.events, ',' || ?1 || ',') > 0 AND (s.agent_id IS NULL OR s.agent_id = t.agent_id)
                ORDER BY j.key, s.seq
                """,
            arguments: [WebhookEvent.started, now.sqlite, ids])
        if db.changesCount > 0 { signals.append(.webhooksDue) }
    }
}
