/// Versioned schema. Append new migrations; never edit a released one.
enum PostgresMigrations {
    struct Migration {
        let version: Int
        let name: String
        let sql: String
    }

    static let all: [Migration] = [
        Migration(
            version: 1, name: "core",
            sql: """
                CREATE TABLE tenants (
                    id text PRIMARY KEY,
                    name text NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now()
                );
                INSERT INTO tenants (id, name) VALUES ('default', 'default');

                CREATE TABLE agents (
                    id text PRIMARY KEY,
                    tenant_id text NOT NULL REFERENCES tenants (id),
                    name text NOT NULL,
                    description text,
                    kind text NOT NULL,
                    model text,
                    config jsonb NOT NULL,
                    resources jsonb NOT NULL,
                    max_concurrency integer,
                    is_active boolean NOT NULL,
                    version integer NOT NULL,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    deleted_at timestamptz
                );
                CREATE UNIQUE INDEX agents_tenant_name ON agents (tenant_id, name) WHERE deleted_at IS NULL;

                CREATE TABLE tasks (
                    seq bigint GENERATED ALWAYS AS IDENTITY,
                    id text PRIMARY KEY,
                    tenant_id text NOT NULL,
                    agent_id text NOT NULL,
                    agent_kind text NOT NULL,
                    status text NOT NULL,
                    priority integer NOT NULL,
                    input jsonb NOT NULL,
                    options jsonb NOT NULL,
                    output jsonb,
                    error jsonb,
                    progress double precision,
                    attempts integer NOT NULL DEFAULT 0,
                    max_attempts integer NOT NULL,
                    timeout_seconds double precision NOT NULL,
                    max_steps integer,
                    callback_url text,
                    idempotency_key text,
                    usage jsonb,
                    run_at timestamptz NOT NULL,
                    lease_owner text,
                    lease_token text,
                    lease_expires_at timestamptz,
                    cancel_requested boolean NOT NULL DEFAULT false,
                    last_event_seq bigint NOT NULL DEFAULT 0,
                    created_at timestamptz NOT NULL,
                    started_at timestamptz,
                    completed_at timestamptz,
                    updated_at timestamptz NOT NULL
                );
                CREATE UNIQUE INDEX tasks_idempotency ON tasks (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
                CREATE INDEX tasks_queue ON tasks (tenant_id, priority DESC, seq) WHERE status = 'queued';
                CREATE INDEX tasks_delayed ON tasks (run_at) WHERE status = 'queued';
                CREATE INDEX tasks_running_agent ON tasks (agent_id) WHERE status = 'running';
                CREATE INDEX tasks_running_tenant ON tasks (tenant_id) WHERE status = 'running';
                CREATE INDEX tasks_running_lease ON tasks (lease_expires_at) WHERE status = 'running';
                CREATE INDEX tasks_finished ON tasks (completed_at) WHERE completed_at IS NOT NULL;
                CREATE INDEX tasks_agent ON tasks (agent_id, seq);
                CREATE INDEX tasks_tenant ON tasks (tenant_id, seq);

                CREATE TABLE task_events (
                    task_id text NOT NULL,
                    seq bigint NOT NULL,
                    type text NOT NULL,
                    data jsonb NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (task_id, seq)
                );
                """),
        Migration(
            version: 2, name: "identity",
            sql: """
                CREATE TABLE api_keys (
                    id text PRIMARY KEY,
                    tenant_id text NOT NULL REFERENCES tenants (id),
                    name text NOT NULL,
                    role text NOT NULL,
                    secret_hash text NOT NULL,
                    created_at timestamptz NOT NULL,
                    last_used_at timestamptz,
                    revoked_at timestamptz
                );
                CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

                CREATE TABLE audit_log (
                    seq bigint GENERATED ALWAYS AS IDENTITY,
                    id text PRIMARY KEY,
                    tenant_id text NOT NULL,
                    actor text NOT NULL,
                    action text NOT NULL,
                    resource_type text NOT NULL,
                    resource_id text,
                    details jsonb NOT NULL,
                    created_at timestamptz NOT NULL
                );
                CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq DESC);
                """),
        Migration(
            version: 3, name: "secrets",
            sql: """
                CREATE TABLE agent_secrets (
                    id text PRIMARY KEY,
                    tenant_id text NOT NULL,
                    agent_id text NOT NULL,
                    key text NOT NULL,
                    description text,
                    ciphertext text NOT NULL,
                    key_id text NOT NULL,
                    is_active boolean NOT NULL,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL
                );
                CREATE UNIQUE INDEX agent_secrets_key ON agent_secrets (agent_id, key) WHERE is_active;
                CREATE INDEX agent_secrets_tenant ON agent_secrets (tenant_id, agent_id);
                """),
        Migration(
            version: 4, name: "limits",
            sql: """
                CREATE TABLE tenant_quotas (
                    tenant_id text PRIMARY KEY,
                    max_concurrent_tasks integer,
                    max_tasks_per_hour integer,
                    max_agents integer,
                    updated_at timestamptz NOT NULL
                );
                CREATE TABLE rate_buckets (
                    key text PRIMARY KEY,
                    tokens double precision NOT NULL,
                    allowed boolean NOT NULL,
                    updated_at timestamptz NOT NULL
                );
                CREATE INDEX tasks_tenant_created ON tasks (tenant_id, created_at);
                """),
        Migration(
            version: 5, name: "security_incidents",
            sql: """
                CREATE TABLE security_incidents (
                    seq bigint GENERATED ALWAYS AS IDENTITY,
                    id text PRIMARY KEY,
                    tenant_id text NOT NULL,
                    kind text NOT NULL,
                    severity text NOT NULL,
                    description text NOT NULL,
                    agent_id text,
                    task_id text,
                    actor text,
                    details jsonb NOT NULL,
                    created_at timestamptz NOT NULL,
                    resolved_at timestamptz,
                    resolved_by text,
                    resolution_notes text
                );
                CREATE INDEX security_incidents_tenant ON security_incidents (tenant_id, seq DESC);
                """),
        Migration(
            version: 6, name: "reservation_quotas",
            sql: """
                ALTER TABLE tenant_quotas ADD COLUMN max_cpu double precision, ADD COLUMN max_memory_mb integer, ADD COLUMN max_gpu integer,
                    ADD COLUMN token_budget bigint, ADD COLUMN tokens_used bigint NOT NULL DEFAULT 0;
                """),
        Migration(
            version: 7, name: "usage_and_budgets",
            sql: """
                ALTER TABLE agents ADD COLUMN budget_limit double precision;
                CREATE TABLE usage_records (
                    seq bigint GENERATED ALWAYS AS IDENTITY,
                    id text PRIMARY KEY,
                    tenant_id text NOT NULL,
                    agent_id text,
                    task_id text,
                    chat_session_id text,
                    model text NOT NULL,
                    prompt_tokens bigint NOT NULL,
                    completion_tokens bigint NOT NULL,
                    cost_usd double precision NOT NULL,
                    created_at timestamptz NOT NULL
                );
                CREATE INDEX usage_records_agent ON usage_records (tenant_id, agent_id, created_at);
                """),
        Migration(
            version: 8, name: "chat",
            sql: """
                CREATE TABLE chat_sessions (
                    seq bigint GENERATED ALWAYS AS IDENTITY,
                    id text PRIMARY KEY,
                    tenant_id text NOT NULL,
                    agent_id text,
                    title text,
                    session_type text NOT NULL,
                    model text NOT NULL,
                    system_prompt text,
                    config jsonb NOT NULL,
                    status text NOT NULL,
                    created_by text NOT NULL,
                    message_count bigint NOT NULL DEFAULT 0,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    last_message_at timestamptz
                );
                CREATE INDEX chat_sessions_tenant ON chat_sessions (tenant_id, seq DESC);

                CREATE TABLE chat_messages (
                    session_id text NOT NULL,
                    seq bigint NOT NULL,
                    id text NOT NULL UNIQUE,
                    tenant_id text NOT NULL,
                    role text NOT NULL,
                    content text NOT NULL,
                    images jsonb,
                    model text,
                    prompt_tokens bigint,
                    completion_tokens bigint,
                    cost_usd double precision,
                    metrics jsonb,
                    created_at timestamptz NOT NULL,
                    PRIMARY KEY (session_id, seq)
                );
                """),
        Migration(
            version: 9, name: "webhooks",
            sql: """
                CREATE TABLE webhook_subscriptions (
                    seq bigint GENERATED ALWAYS AS IDENTITY,
                    id text PRIMARY KEY,
                    tenant_id text NOT NULL,
                    url text NOT NULL,
                    events text NOT NULL,
                    secret text NOT NULL,
                    agent_id text,
                    is_active boolean NOT NULL DEFAULT true,
                    created_at timestamptz NOT NULL
                );
                CREATE INDEX webhook_subscriptions_tenant ON webhook_subscriptions (tenant_id);

                CREATE TABLE webhook_deliveries (
                    seq bigint GENERATED ALWAYS AS IDENTITY,
                    id text PRIMARY KEY,
                    tenant_id text NOT NULL,
                    task_id text NOT NULL,
                    subscription_id text,
                    url text NOT NULL,
                    event_type text NOT NULL,
                    status text NOT NULL,
                    attempts text NOT NULL DEFAULT '[]',
                    next_attempt_at timestamptz,
                    error text,
                    lease_token text,
                    lease_expires_at timestamptz,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL
                );
                CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
                CREATE INDEX webhook_deliveries_task ON webhook_deliveries (task_id);
                CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id) WHERE status = 'pending';
                """),
        // `task.started` deliveries name the attempt they announce.
        Migration(version: 10, name: "webhook_task_attempt", sql: "ALTER TABLE webhook_deliveries ADD COLUMN task_attempt integer"),
        Migration(
            version: 11, name: "usage_daily",
            sql: """
                CREATE TABLE usage_daily (
                    tenant_id text NOT NULL,
                    agent_id text NOT NULL,
                    day text NOT NULL,
                    model text NOT NULL,
                    requests bigint NOT NULL,
                    prompt_tokens bigint NOT NULL,
                    completion_tokens bigint NOT NULL,
                    cost_usd double precision NOT NULL,
                    PRIMARY KEY (tenant_id, agent_id, day, model)
                );
                CREATE INDEX usage_records_created ON usage_records (created_at);
                CREATE INDEX security_incidents_created ON security_incidents (created_at);
                """),
        // The process directory, session owners, and tasks pinned to a session's owner.
        Migration(
            version: 12, name: "processes_and_sessions",
            sql: """
                CREATE TABLE processes (
                    id text PRIMARY KEY,
                    kind text NOT NULL,
                    internal_url text,
                    started_at timestamptz NOT NULL,
                    heartbeat_at timestamptz NOT NULL
                );
                CREATE TABLE browser_sessions (
                    id text PRIMARY KEY,
                    tenant_id text NOT NULL,
                    process_id text NOT NULL,
                    created_at timestamptz NOT NULL
                );
                CREATE INDEX browser_sessions_process ON browser_sessions (process_id);
                CREATE INDEX browser_sessions_tenant ON browser_sessions (tenant_id);
                ALTER TABLE tasks ADD COLUMN owner_process text;
                CREATE INDEX tasks_owner_queued ON tasks (owner_process) WHERE owner_process IS NOT NULL AND status = 'queued';
                """),
        // The submitting request's W3C traceparent: a task's attempts join its trace.
        Migration(version: 13, name: "task_trace_parent", sql: "ALTER TABLE tasks ADD COLUMN trace_parent text"),
        // Workflow definitions (issue 18): the definition row points at its latest version;
        // versions are append-only so that an execution keeps the one it started with, and a
        // delete only marks the definition.
        Migration(
            version: 14, name: "workflow_definitions",
            sql: """
                CREATE TABLE workflow_definitions (
                    id text PRIMARY KEY,
                    tenant_id text NOT NULL,
                    name text NOT NULL,
                    latest_version integer NOT NULL,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    deleted_at timestamptz
                );
                CREATE UNIQUE INDEX workflow_definitions_tenant_name ON workflow_definitions (tenant_id, name) WHERE deleted_at IS NULL;
                CREATE INDEX workflow_definitions_tenant_created ON workflow_definitions (tenant_id, created_at);
                CREATE TABLE workflow_versions (
                    workflow_id text NOT NULL REFERENCES workflow_definitions(id),
                    version integer NOT NULL,
                    name text NOT NULL,
                    description text,
                    steps jsonb NOT NULL,
                    priority text NOT NULL,
                    max_execution_time integer NOT NULL,
                    created_at timestamptz NOT NULL,
                    PRIMARY KEY (workflow_id, version)
                );
                """),
        // Bot deployments (issue 16): one per bot agent, found by agent id alone (the platform's
        // webhook carries no tenant); each platform chat maps to one chat session of the agent.
        Migration(
            version: 15, name: "bot_deployments",
            sql: """
                CREATE TABLE bot_deployments (
                    agent_id text PRIMARY KEY,
                    tenant_id text NOT NULL,
                    platform text NOT NULL,
                    status text NOT NULL,
                    last_error text,
                    webhook_url text,
                    bot_username text,
                    secret_token_hash text NOT NULL,
                    messages_in bigint NOT NULL DEFAULT 0,
                    replies_out bigint NOT NULL DEFAULT 0,
                    last_activity_at timestamptz,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL
                );
                CREATE TABLE bot_chats (
                    agent_id text NOT NULL,
                    chat_key text NOT NULL,
                    session_id text NOT NULL,
                    PRIMARY KEY (agent_id, chat_key)
                );
                """),
        // Seed 004's per-subscription `headers`, sealed like the signing secret.
        Migration(version: 16, name: "webhook_headers", sql: "ALTER TABLE webhook_subscriptions ADD COLUMN headers text;"),
    ]
}
