-- One no-op task's writes, as Hangar's PostgreSQL store issues them at the least (each statement
-- on its own, autocommit, no batching): submit with its first event, claim with its running
-- event, one step event, completion with its event. pgbench's tps is then tasks per second:
-- the ceiling the database itself sets on this machine. See ./run.
WITH t AS (
    INSERT INTO tasks (id, tenant_id, agent_id, agent_kind, status, priority, input, options, max_attempts,
        timeout_seconds, run_at, created_at, updated_at, last_event_seq)
    VALUES (gen_random_uuid()::text, 'default', 'pgbench-agent', 'llm', 'queued', 5, '{"type":"generate","prompt":"hi"}',
        '{}', 3, 300, now(), now(), now(), 1)
    RETURNING id, created_at
), e AS (
    INSERT INTO task_events (task_id, seq, type, data, created_at)
    SELECT t.id, 1, 'status', '{"status":"queued","attempt":0}', t.created_at FROM t
)
SELECT id AS task_id, pg_notify('hangar_bench', 'q') IS NULL AS woke FROM t \gset
WITH c AS (
    SELECT id FROM tasks WHERE id = :task_id AND status = 'queued' FOR UPDATE SKIP LOCKED
), s AS (
    UPDATE tasks t SET status = 'running', attempts = t.attempts + 1, lease_owner = 'pgbench', lease_token = gen_random_uuid()::text,
        lease_expires_at = now() + interval '30 seconds', started_at = now(), updated_at = now(), last_event_seq = t.last_event_seq + 1
    FROM c WHERE t.id = c.id RETURNING t.id, t.last_event_seq, t.lease_token, t.attempts
), e AS (
    INSERT INTO task_events (task_id, seq, type, data, created_at)
    SELECT s.id, s.last_event_seq, 'status', jsonb_build_object('status', 'running', 'attempt', s.attempts), now() FROM s
)
SELECT lease_token FROM s \gset
WITH t AS (
    UPDATE tasks SET last_event_seq = last_event_seq + 1
    WHERE id = :task_id AND lease_token = :lease_token AND status = 'running' RETURNING last_event_seq
)
INSERT INTO task_events (task_id, seq, type, data, created_at)
SELECT :task_id::text, t.last_event_seq, 'step', '{"message":"echo"}', now() FROM t;
WITH done AS (
    UPDATE tasks SET status = 'completed', output = '"hi"', error = NULL, progress = 100, completed_at = now(), updated_at = now(),
        lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, last_event_seq = last_event_seq + 1
    WHERE id = :task_id AND lease_token = :lease_token AND status = 'running' RETURNING id, last_event_seq, attempts
)
INSERT INTO task_events (task_id, seq, type, data, created_at)
SELECT done.id, done.last_event_seq, 'status', jsonb_build_object('status', 'completed', 'attempt', done.attempts), now() FROM done;
