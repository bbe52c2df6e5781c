import Foundation
import HangarCore
import HangarStore
import PostgresNIO

extension PostgresStore {
    /// Records a batch of completed attempts in ONE autocommit statement (one round trip, one
    /// commit): each task's result and lease release, fenced by its lease token; its `completed`
    /// status event, numbered on the task row; its tenant's token count (budgeted tenants only);
    /// its outbox rows; its attempt's model calls; and the wake-ups. A completion whose lease is
    /// no longer held changes nothing, its usage included, and answers `leaseLost`.
    ///
    /// The decision is `TaskTransitions.finish(.completed…)`, which depends on nothing in the row:
    /// the task ends `completed`, and a task whose agent has a concurrency limit frees a slot
    /// (`taskAvailable`), written here as SQL because the batch reads the agents in the statement.
    func finishCompleted(_ batch: [TaskFinishParams]) async throws -> [Result<TaskRecord, any Error>] {
        var ids: [String] = []
        var tokens: [String] = []
        var outputs: [String] = []
        var usages: [String] = []  // "": none (PostgresNIO binds no arrays of optionals)
        var spentTokens: [Int] = []
        var records: [UsageRecord] = []
        var owners: [String] = []
        for params in batch {
            guard case .completed(let output, let usage) = params.outcome else { continue }
            ids.append(params.taskID)
            tokens.append(params.leaseToken)
            outputs.append(JSONText.encode(output))
            usages.append(usage.map(JSONText.encode) ?? "")
            spentTokens.append(StorageCoding.totalTokens(usage))
            records += params.usage
            owners += params.usage.map { _ in params.taskID }
        }
        let spent = UsageColumns(records)
        let event = JSONText.encode(TaskTransitions.finish(
            .completed(output: .null, usage: nil), attempts: 0, maxAttempts: 1, cancelRequested: false, agentLimited: false
        ).event(runAt: nil).data)
        let rows = try await prepared(
            """
            WITH input AS (
                SELECT * FROM unnest(\(ids)::text[], \(tokens)::text[], \(outputs)::text[], \(usages)::text[], \(spentTokens)::bigint[])
                    AS i(id, token, output, usage, spent)
            ), locked AS (
                -- Row locks in id order, as the heartbeat takes them: two multi-row writers never deadlock.
                SELECT t.id FROM tasks t JOIN input i ON i.id = t.id AND i.token = t.lease_token
                WHERE t.status = 'running' ORDER BY t.id FOR UPDATE OF t
            ), done AS (
                UPDATE tasks t SET status = 'completed', output = i.output::jsonb, usage = NULLIF(i.usage, '')::jsonb, error = NULL,
                    progress = 100, completed_at = now(), updated_at = now(), lease_owner = NULL, lease_token = NULL,
                    lease_expires_at = NULL, last_event_seq = t.last_event_seq + 1
                FROM input i WHERE t.id = i.id AND t.id IN (SELECT id FROM locked) AND t.lease_token = i.token AND t.status = 'running'
                RETURNING t.*, i.spent
            ), budget AS (
                -- Only tenants with a budget are counted: an unbudgeted tenant's completions touch no shared row.
                UPDATE tenant_quotas q SET tokens_used = q.tokens_used + s.total
                FROM (SELECT tenant_id, sum(spent) AS total FROM done WHERE spent > 0 GROUP BY tenant_id) s
                WHERE q.tenant_id = s.tenant_id AND q.token_budget IS NOT NULL
            ), logged AS (
                INSERT INTO task_events (task_id, seq, type, data, created_at)
                SELECT done.id, done.last_event_seq, 'status', \(event)::jsonb || jsonb_build_object('attempt', done.attempts), now()
                FROM done
            ), hooks AS (
                \(unescaped: Self.enqueueSQL(source: "done", status: .completed))
            ), spent AS (
                -- The attempts' model calls (see `insertUsage`), committed with their results.
                INSERT INTO usage_records (id, tenant_id, agent_id, task_id, chat_session_id, model, prompt_tokens,
                    completion_tokens, cost_usd, created_at)
                SELECT u.id, u.tenant_id, NULLIF(u.agent_id, ''), NULLIF(u.task_id, ''), NULLIF(u.chat_session_id, ''), u.model,
                    u.prompt_tokens, u.completion_tokens, u.cost_usd, u.created_at
                FROM unnest(\(spent.ids)::text[], \(spent.tenantIDs)::text[], \(spent.agentIDs)::text[],
                    \(spent.taskIDs)::text[], \(spent.chatSessionIDs)::text[], \(spent.models)::text[],
                    \(spent.promptTokens)::bigint[], \(spent.completionTokens)::bigint[],
                    \(spent.costs)::double precision[], \(spent.createdAts)::timestamptz[], \(owners)::text[])
                    AS u(id, tenant_id, agent_id, task_id, chat_session_id, model, prompt_tokens, completion_tokens,
                        cost_usd, created_at, owner)
                WHERE u.owner IN (SELECT id FROM done)
            ), freed AS (
                SELECT bool_or(a.max_concurrency IS NOT NULL) AS limited FROM done JOIN agents a ON a.id = done.agent_id
            )
            SELECT \(unescaped: PostgresRows.taskColumns("done")),
                pg_notify(\(url.channel), 'e:' || done.id || ':' || done.last_event_seq) IS NULL AS told,
                CASE WHEN (SELECT count(*) FROM hooks) > 0 THEN pg_notify(\(url.channel), 'w') END IS NULL AS hooked,
                CASE WHEN (SELECT limited FROM freed) THEN pg_notify(\(url.channel), 'q') END IS NULL AS woke
            FROM done
            """, as: Shapes.CompletionBatch.self
        ).map(PostgresRows.task)
        let byID = Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { (first: TaskRecord, _: TaskRecord) in first })
        return batch.map { params in
            byID[params.taskID].map { .success($0) } ?? .failure(HangarError.leaseLost(taskID: params.taskID))
        }
    }
}
