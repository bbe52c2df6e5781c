import Foundation
import HangarCore
import HangarStore
import PostgresNIO

extension PostgresStore {
    /// Records the starts of one claim in a single statement: each task's `running` event (the
    /// claim's UPDATE numbered it) and a `task.started` outbox row per matching subscription.
    /// Both are set-based over the batch, so the claim costs one round trip here however many
    /// tasks it took; a tenant with no `task.started` subscription costs an empty join on the
    /// subscriptions index. Callbacks (`callback_url`) are left out: final statuses only.
    func recordStarts(_ connection: PostgresConnection, _ started: [TaskRecord], workerID: String, signals: inout [QueueSignal]) async throws {
        guard !started.isEmpty else { return }
        let events = started.map { JSONText.encode(StatusEvent.make(.running, attempt: $0.attempts, workerID: workerID).data) }
        let ids = started.map(\.id)
        let hooks = try await connection.query(
            """
            WITH started AS (
                SELECT * FROM unnest(\(ids)::text[], \(started.map(\.lastEventSeq))::bigint[], \(events)::text[],
                    \(started.map(\.tenantID))::text[], \(started.map(\.agentID))::text[], \(started.map(\.attempts))::bigint[])
                    AS e(id, seq, data, tenant_id, agent_id, attempt)
            ), events AS (
                INSERT INTO task_events (task_id, seq, type, data, created_at)
                SELECT e.id, e.seq, 'status', e.data::jsonb, now() FROM started e
            ), hooks AS (
                INSERT INTO webhook_deliveries (id, tenant_id, task_id, subscription_id, url, event_type, status, attempts,
                    next_attempt_at, created_at, updated_at, task_attempt)
                SELECT 'msg_' || md5(random()::text || clock_timestamp()::text), e.tenant_id, e.id, s.id, s.url, \(WebhookEvent.started),
                    'pending', '[]', now(), now(), now(), e.attempt
                FROM started e JOIN webhook_subscriptions s ON s.tenant_id = e.tenant_id
                WHERE s.is_active AND strpos(s.events, ',' || \(WebhookEvent.started) || ',') > 0
                    AND (s.agent_id IS NULL OR s.agent_id = e.agent_id)
                RETURNING 1
            )
            SELECT count(*)::bigint FROM hooks
            """, logger: logger
        ).first { try $0.decode(Int.self) } ?? 0
        for task in started { signals.append(.event(taskID: task.id, seq: task.lastEventSeq)) }
        if hooks > 0 { signals.append(.webhooksDue) }
    }
}
