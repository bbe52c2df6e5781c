import Foundation
import HangarCore
import HangarStore
import PostgresNIO

extension PostgresStore {
    /// Starts the chosen tasks in a single statement: each gets its fresh lease token and its
    /// attempt, its `running` status event (numbered on the task row) and a `task.started` outbox
    /// row per matching subscription, and the wake-ups go out with the commit. Set-based over the
    /// batch, and each task comes back with its agent, so a claim costs one round trip here however
    /// many tasks it took; a tenant with no
    /// `task.started` subscription costs an empty join on the subscriptions index. Callbacks
    /// (`callback_url`) are left out: final statuses only.
    func start(_ connection: PostgresConnection, ids: [String], tokens: [String], params: TaskClaimParams) async throws -> [ClaimedTask] {
        // The event as `StatusEvent` writes it; each task's attempt number is set in SQL.
        let event = JSONText.encode(StatusEvent.make(.running, attempt: 0, workerID: params.workerID).data)
        return try await connection.run(
            """
            WITH c AS (
                SELECT * FROM unnest(\(ids)::text[], \(tokens)::text[]) AS c(id, token)
            ), started AS (
                UPDATE tasks t SET status = 'running', attempts = t.attempts + 1, lease_owner = \(params.workerID),
                    lease_token = c.token, lease_expires_at = now() + \(params.leaseDuration.seconds)::float8 * interval '1 second',
                    started_at = COALESCE(t.started_at, now()), updated_at = now(), last_event_seq = t.last_event_seq + 1
                FROM c WHERE t.id = c.id AND t.status = 'queued'
                RETURNING t.*
            ), events AS (
                INSERT INTO task_events (task_id, seq, type, data, created_at)
                SELECT s.id, s.last_event_seq, 'status', \(event)::jsonb || jsonb_build_object('attempt', s.attempts), now()
                FROM started s
            ), hooks AS (
                INSERT INTO webhook_deliveries (id, tenant_id, task_id, subscription_id, url, event_type, status, attempts,
                    next_attempt_at, created_at, updated_at, task_attempt)
                SELECT 'msg_' || md5(random()::text || clock_timestamp()::text), e.tenant_id, e.id, s.id, s.url, \(WebhookEvent.started),
                    'pending', '[]', now(), now(), now(), e.attempts
                FROM started e JOIN webhook_subscriptions s ON s.tenant_id = e.tenant_id
                WHERE s.is_active AND strpos(s.events, ',' || \(WebhookEvent.started) || ',') > 0
                    AND (s.agent_id IS NULL OR s.agent_id = e.agent_id)
                RETURNING 1
            )
            SELECT \(unescaped: PostgresRows.taskColumns("started")), \(unescaped: PostgresRows.agentColumns("a", prefix: "a_")),
                pg_notify(\(url.channel), 'e:' || started.id || ':' || started.last_event_seq) IS NULL AS told,
                CASE WHEN (SELECT count(*) FROM hooks) > 0 THEN pg_notify(\(url.channel), 'w') END IS NULL AS hooked
            FROM started JOIN agents a ON a.id = started.agent_id
            """, as: Shapes.TaskStart.self, logger: logger
        ).map { row in ClaimedTask(task: try PostgresRows.task(row), agent: try PostgresRows.agent(row, prefix: "a_")) }
    }
}
