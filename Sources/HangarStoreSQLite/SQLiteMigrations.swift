import GRDB

/// Versioned schema. Append new migrations; never edit a released one.
enum SQLiteMigrations {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001_core") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tenants (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        created_at REAL NOT NULL
                    );
                    INSERT INTO tenants (id, name, created_at) VALUES ('default', 'default', (julianday('now') - 2440587.5) * 86400.0);

                    CREATE TABLE agents (
                        id TEXT PRIMARY KEY,
                        tenant_id TEXT NOT NULL REFERENCES tenants(id),
                        name TEXT NOT NULL,
                        description TEXT,
                        kind TEXT NOT NULL,
                        model TEXT,
                        config TEXT NOT NULL,
                        resources TEXT NOT NULL,
                        max_concurrency INTEGER,
                        is_active INTEGER NOT NULL,
                        version INTEGER NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        deleted_at REAL
                    );
                    CREATE UNIQUE INDEX agents_tenant_name ON agents (tenant_id, name) WHERE deleted_at IS NULL;

                    CREATE TABLE tasks (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        tenant_id TEXT NOT NULL,
                        agent_id TEXT NOT NULL,
                        agent_kind TEXT NOT NULL,
                        status TEXT NOT NULL,
                        priority INTEGER NOT NULL,
                        input TEXT NOT NULL,
                        options TEXT NOT NULL,
                        output TEXT,
                        error TEXT,
                        progress REAL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        max_attempts INTEGER NOT NULL,
                        timeout_seconds REAL NOT NULL,
                        max_steps INTEGER,
                        callback_url TEXT,
                        idempotency_key TEXT,
                        usage TEXT,
                        run_at REAL NOT NULL,
                        lease_owner TEXT,
                        lease_token TEXT,
                        lease_expires_at REAL,
                        cancel_requested INTEGER NOT NULL DEFAULT 0,
                        last_event_seq INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL,
                        started_at REAL,
                        completed_at REAL,
                        updated_at REAL NOT NULL
                    );
                    CREATE UNIQUE INDEX tasks_idempotency ON tasks (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
                    CREATE INDEX tasks_queue ON tasks (tenant_id, priority DESC, seq) WHERE status = 'queued';
                    CREATE INDEX tasks_delayed ON tasks (run_at) WHERE status = 'queued';
                    CREATE INDEX tasks_running_agent ON tasks (agent_id) WHERE status = 'running';
                    CREATE INDEX tasks_running_lease ON tasks (lease_expires_at) WHERE status = 'running';
                    CREATE INDEX tasks_finished ON tasks (completed_at) WHERE completed_at IS NOT NULL;
                    CREATE INDEX tasks_agent ON tasks (agent_id, seq);
                    CREATE INDEX tasks_tenant ON tasks (tenant_id, seq);

                    CREATE TABLE task_events (
                        task_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        type TEXT NOT NULL,
                        data TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        PRIMARY KEY (task_id, seq)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("0002_identity") { db in
            try db.execute(
                sql: """
                    CREATE TABLE api_keys (
                        id TEXT PRIMARY KEY,
                        tenant_id TEXT NOT NULL REFERENCES tenants(id),
                        name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        secret_hash TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        last_used_at REAL,
                        revoked_at REAL
                    );
                    CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

                    CREATE TABLE audit_log (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        tenant_id TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        resource_type TEXT NOT NULL,
                        resource_id TEXT,
                        details TEXT NOT NULL,
                        created_at REAL NOT NULL
                    );
                    CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq DESC);
                    """)
        }
        migrator.registerMigration("0003_secrets") { db in
            try db.execute(
                sql: """
                    CREATE TABLE agent_secrets (
                        id TEXT PRIMARY KEY,
                        tenant_id TEXT NOT NULL,
                        agent_id TEXT NOT NULL,
                        key TEXT NOT NULL,
                        description TEXT,
                        ciphertext TEXT NOT NULL,
                        key_id TEXT NOT NULL,
                        is_active INTEGER NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    CREATE UNIQUE INDEX agent_secrets_key ON agent_secrets (agent_id, key) WHERE is_active = 1;
                    CREATE INDEX agent_secrets_tenant ON agent_secrets (tenant_id, agent_id);
                    """)
        }
        migrator.registerMigration("0004_limits") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tenant_quotas (
                        tenant_id TEXT PRIMARY KEY,
                        max_concurrent_tasks INTEGER,
                        max_tasks_per_hour INTEGER,
                        max_agents INTEGER,
                        updated_at REAL NOT NULL
                    );
                    CREATE TABLE rate_buckets (
                        key TEXT PRIMARY KEY,
                        tokens REAL NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    CREATE INDEX tasks_tenant_created ON tasks (tenant_id, created_at);
                    """)
        }
        migrator.registerMigration("0005_security_incidents") { db in
            try db.execute(
                sql: """
                    CREATE TABLE security_incidents (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        tenant_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        description TEXT NOT NULL,
                        agent_id TEXT,
                        task_id TEXT,
                        actor TEXT,
                        details TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        resolved_at REAL,
                        resolved_by TEXT,
                        resolution_notes TEXT
                    );
                    CREATE INDEX security_incidents_tenant ON security_incidents (tenant_id, seq DESC);
                    """)
        }
        migrator.registerMigration("0006_reservation_quotas") { db in
            try db.execute(
                sql: """
                    ALTER TABLE tenant_quotas ADD COLUMN max_cpu REAL;
                    ALTER TABLE tenant_quotas ADD COLUMN max_memory_mb INTEGER;
                    ALTER TABLE tenant_quotas ADD COLUMN max_gpu INTEGER;
                    ALTER TABLE tenant_quotas ADD COLUMN token_budget INTEGER;
                    ALTER TABLE tenant_quotas ADD COLUMN tokens_used INTEGER NOT NULL DEFAULT 0;
                    """)
        }
        migrator.registerMigration("0007_usage_and_budgets") { db in
            try db.execute(
                sql: """
                    ALTER TABLE agents ADD COLUMN budget_limit REAL;
                    CREATE TABLE usage_records (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        tenant_id TEXT NOT NULL,
                        agent_id TEXT,
                        task_id TEXT,
                        chat_session_id TEXT,
                        model TEXT NOT NULL,
                        prompt_tokens INTEGER NOT NULL,
                        completion_tokens INTEGER NOT NULL,
                        cost_usd REAL NOT NULL,
                        created_at REAL NOT NULL
                    );
                    CREATE INDEX usage_records_agent ON usage_records (tenant_id, agent_id, created_at);
                    """)
        }
        migrator.registerMigration("0008_chat") { db in
            try db.execute(
                sql: """
                    CREATE TABLE chat_sessions (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        tenant_id TEXT NOT NULL,
                        agent_id TEXT,
                        title TEXT,
                        session_type TEXT NOT NULL,
                        model TEXT NOT NULL,
                        system_prompt TEXT,
                        config TEXT NOT NULL,
                        status TEXT NOT NULL,
                        created_by TEXT NOT NULL,
                        message_count INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        last_message_at REAL
                    );
                    CREATE INDEX chat_sessions_tenant ON chat_sessions (tenant_id, seq DESC);

                    CREATE TABLE chat_messages (
                        session_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        id TEXT NOT NULL UNIQUE,
                        tenant_id TEXT NOT NULL,
                        role TEXT NOT NULL,
                        content TEXT NOT NULL,
                        images TEXT,
                        model TEXT,
                        prompt_tokens INTEGER,
                        completion_tokens INTEGER,
                        cost_usd REAL,
                        metrics TEXT,
                        created_at REAL NOT NULL,
                        PRIMARY KEY (session_id, seq)
                    );
                    """)
        }
        migrator.registerMigration("0009_webhooks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE webhook_subscriptions (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        tenant_id TEXT NOT NULL,
                        url TEXT NOT NULL,
                        events TEXT NOT NULL,
                        secret TEXT NOT NULL,
                        agent_id TEXT,
                        is_active INTEGER NOT NULL DEFAULT 1,
                        created_at REAL NOT NULL
                    );
                    CREATE INDEX webhook_subscriptions_tenant ON webhook_subscriptions (tenant_id);

                    CREATE TABLE webhook_deliveries (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        tenant_id TEXT NOT NULL,
                        task_id TEXT NOT NULL,
                        subscription_id TEXT,
                        url TEXT NOT NULL,
                        event_type TEXT NOT NULL,
                        status TEXT NOT NULL,
                        attempts TEXT NOT NULL DEFAULT '[]',
                        next_attempt_at REAL,
                        error TEXT,
                        lease_token TEXT,
                        lease_expires_at REAL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
                    CREATE INDEX webhook_deliveries_task ON webhook_deliveries (task_id);
                    CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id) WHERE status = 'pending';
                    """)
        }
        // `task.started` deliveries name the attempt they announce.
        migrator.registerMigration("0010_webhook_task_attempt") { db in
            try db.execute(sql: "ALTER TABLE webhook_deliveries ADD COLUMN task_attempt INTEGER")
        }
        // Usage past the retention period is folded into per-day totals (budgets and reports
        // keep their sums); incidents past it are deleted. `agent_id` '' is "no agent".
        migrator.registerMigration("0011_usage_daily") { db in
            try db.execute(
                sql: """
                    CREATE TABLE usage_daily (
                        tenant_id TEXT NOT NULL,
                        agent_id TEXT NOT NULL,
                        day TEXT NOT NULL,
                        model TEXT NOT NULL,
                        requests INTEGER NOT NULL,
                        prompt_tokens INTEGER NOT NULL,
                        completion_tokens INTEGER NOT NULL,
                        cost_usd REAL NOT NULL,
                        PRIMARY KEY (tenant_id, agent_id, day, model)
                    );
                    CREATE INDEX usage_records_created ON usage_records (created_at);
                    CREATE INDEX security_incidents_created ON security_incidents (created_at);
                    """)
        }
        // The process directory, session owners, and tasks pinned to a session's owner.
        migrator.registerMigration("0012_processes_and_sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE processes (
                        id TEXT PRIMARY KEY,
                        kind TEXT NOT NULL,
                        internal_url TEXT,
                        started_at REAL NOT NULL,
                        heartbeat_at REAL NOT NULL
                    );
                    CREATE TABLE browser_sessions (
                        id TEXT PRIMARY KEY,
                        tenant_id TEXT NOT NULL,
                        process_id TEXT NOT NULL,
                        created_at REAL NOT NULL
                    );
                    CREATE INDEX browser_sessions_process ON browser_sessions (process_id);
                    CREATE INDEX browser_sessions_tenant ON browser_sessions (tenant_id);
                    ALTER TABLE tasks ADD COLUMN owner_process TEXT;
                    CREATE INDEX tasks_owner_queued ON tasks (owner_process) WHERE owner_process IS NOT NULL AND status = 'queued';
                    """)
        }
        // The submitting request's W3C traceparent: a task's attempts join its trace.
        migrator.registerMigration("0013_task_trace_parent") { db in
            try db.execute(sql: "ALTER TABLE tasks ADD COLUMN trace_parent TEXT")
        }
        // Workflow definitions (issue 18): the definition row points at its latest version;
        // versions are append-only so that an execution keeps the one it started with, and a
        // delete only marks the definition.
        migrator.registerMigration("0014_workflow_definitions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE workflow_definitions (
                        id TEXT PRIMARY KEY,
                        tenant_id TEXT NOT NULL,
                        name TEXT NOT NULL,
                        latest_version INTEGER NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        deleted_at REAL
                    );
                    CREATE UNIQUE INDEX workflow_definitions_tenant_name ON workflow_definitions (tenant_id, name) WHERE deleted_at IS NULL;
                    CREATE INDEX workflow_definitions_tenant_created ON workflow_definitions (tenant_id, created_at);
                    CREATE TABLE workflow_versions (
                        workflow_id TEXT NOT NULL REFERENCES workflow_definitions(id),
                        version INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        description TEXT,
                        steps TEXT NOT NULL,
                        priority TEXT NOT NULL,
                        max_execution_time INTEGER NOT NULL,
                        created_at REAL NOT NULL,
                        PRIMARY KEY (workflow_id, version)
                    );
                    """)
        }
        // Bot deployments (issue 16): one per bot agent, found by agent id alone (the platform's
        // webhook carries no tenant); each platform chat maps to one chat session of the agent.
        migrator.registerMigration("0015_bot_deployments") { db in
            try db.execute(
                sql: """
                    CREATE TABLE bot_deployments (
                        agent_id TEXT PRIMARY KEY,
                        tenant_id TEXT NOT NULL,
                        platform TEXT NOT NULL,
                        status TEXT NOT NULL,
                        last_error TEXT,
                        webhook_url TEXT,
                        bot_username TEXT,
                        secret_token_hash TEXT NOT NULL,
                        messages_in INTEGER NOT NULL DEFAULT 0,
                        replies_out INTEGER NOT NULL DEFAULT 0,
                        last_activity_at REAL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    CREATE TABLE bot_chats (
                        agent_id TEXT NOT NULL,
                        chat_key TEXT NOT NULL,
                        session_id TEXT NOT NULL,
                        PRIMARY KEY (agent_id, chat_key)
                    );
                    """)
        }
        // Seed 004's per-subscription `headers`, sealed like the signing secret.
        migrator.registerMigration("0016_webhook_headers") { db in
            try db.execute(sql: "ALTER TABLE webhook_subscriptions ADD COLUMN headers TEXT")
        }
        return migrator
    }
}
