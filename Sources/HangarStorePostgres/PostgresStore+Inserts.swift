import Foundation
import HangarCore
import HangarStore
import PostgresNIO

extension PostgresStore {
    /// Inserts a batch of submissions in ONE autocommit statement: each task, queued, in arrival
    /// order (FIFO positions follow the batch's order), with its first status event and the
    /// wake-ups. A submission whose agent is not there (deleted, or another tenant's) inserts
    /// nothing and answers `notFound`; the others commit. Batches of keyless submissions come
    /// from `inserts`; a keyed one goes alone (its unique violation must fail it alone).
    func insertBatch(_ batch: [TaskInsertParams]) async throws -> [Result<TaskInsertResult, any Error>] {
        let ids = batch.map { _ in Identifier.make() }
        // PostgresNIO binds no arrays of optionals: "" and -1 stand for none.
        let maxSteps = batch.map { $0.maxSteps ?? -1 }
        let callbacks = batch.map { $0.callbackURL ?? "" }
        let keys = batch.map { $0.idempotencyKey ?? "" }
        let owners = batch.map { $0.ownerProcess ?? "" }
        let runAts = batch.map { $0.runAt.map { $0.timeIntervalSince1970 } ?? -1 }
        let traceParents = batch.map { $0.traceParent ?? "" }
        let queued = JSONText.encode(StatusEvent.make(.queued, attempt: 0).data)
        let rows = try await prepared(
            """
            WITH i AS (
                SELECT * FROM unnest(\(ids)::text[], \(batch.map(\.tenantID))::text[], \(batch.map(\.agentID))::text[],
                    \(batch.map(\.priority))::bigint[], \(batch.map { JSONText.encode($0.input) })::text[],
                    \(batch.map { JSONText.encode($0.options) })::text[], \(batch.map(\.maxAttempts))::bigint[],
                    \(batch.map(\.timeoutSeconds))::double precision[], \(maxSteps)::bigint[], \(callbacks)::text[],
                    \(runAts)::double precision[], \(keys)::text[], \(owners)::text[], \(traceParents)::text[]) WITH ORDINALITY
                    AS i(id, tenant_id, agent_id, priority, input, options, max_attempts, timeout_seconds, max_steps, callback_url,
                        run_at, idempotency_key, owner_process, trace_parent, n)
            ), t AS (
                INSERT INTO tasks (id, tenant_id, agent_id, agent_kind, status, priority, input, options, max_attempts,
                    timeout_seconds, max_steps, callback_url, idempotency_key, run_at, created_at, updated_at, last_event_seq, owner_process,
                    trace_parent)
                SELECT i.id, i.tenant_id, i.agent_id, a.kind, 'queued', i.priority, i.input::jsonb, i.options::jsonb, i.max_attempts,
                    i.timeout_seconds, NULLIF(i.max_steps, -1), NULLIF(i.callback_url, ''), NULLIF(i.idempotency_key, ''),
                    CASE WHEN i.run_at < 0 THEN now() ELSE to_timestamp(i.run_at) END, now(), now(), 1, NULLIF(i.owner_process, ''),
                    NULLIF(i.trace_parent, '')
                FROM i JOIN agents a ON a.id = i.agent_id AND a.tenant_id = i.tenant_id AND a.deleted_at IS NULL
                ORDER BY i.n
                RETURNING \(unescaped: PostgresRows.taskColumns())
            ), e AS (
                INSERT INTO task_events (task_id, seq, type, data, created_at)
                SELECT t.id, 1, 'status', \(queued)::jsonb, t.created_at FROM t
            )
            SELECT t.*, pg_notify(\(url.channel), 'q') IS NULL AS woke, pg_notify(\(url.channel), 'e:' || t.id || ':1') IS NULL AS told
            FROM t
            """, as: Shapes.TaskInsertBatch.self
        ).map(PostgresRows.task)
        let byID = Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { (first: TaskRecord, _: TaskRecord) in first })
        return zip(ids, batch).map { id, params in
            byID[id].map { .success(TaskInsertResult(task: $0, inserted: true)) }
                ?? .failure(HangarError.notFound(resource: "agent", id: params.agentID))
        }
    }
}
