import HangarAgents
import HangarAuth
import HangarBlobs
import HangarCapture
public import HangarSettings
import HangarSpeech

/// Every setting Hangar reads, by area, in the order docs/configuration.md lists them.
/// Each area's reader is scoped to its name, so `http.port` is `port` inside the `http` area.
public enum SettingsCatalogue {
    public static let areas: [SettingsArea] = [
        HTTPSettings.area, JWTConfiguration.settings, DatabaseSettings.area, ProviderConfiguration.settings, WorkerSettings.area, SecuritySettings.area, WebhookSettings.area, BotSettings.area,
        BrowserSettings.area, BlobStoreConfiguration.settings, CaptureConfiguration.settings, SpeechConfiguration.settings,
        ProcessSettings.area, LoggingSettings.area,
    ]
}

/// The keys of each area, named once so that reading and documenting cannot disagree.
enum Keys {
    enum HTTP {
        static let host = Setting("host", environment: "HANGAR_HOST", flag: "--host", value: "address", default: "127.0.0.1", help: "Address the API listens on.")
        static let port = Setting(
            "port", environment: "HANGAR_PORT", flag: "--port", value: "0–65535", default: "8000", help: "Port the API listens on (0: any free port).")
        static let maxBodyBytes = Setting(
            "max_body_bytes", environment: "HANGAR_MAX_BODY_BYTES", flag: "--max-body-bytes", value: "integer ≥ 1024", default: "1048576",
            help: "Largest request body accepted (413 beyond).")
        static let auth = Setting(
            "auth", environment: "HANGAR_AUTH", flag: "--auth", value: "required, none", default: "required",
            help: "`none` serves every request as admin: local development only, loopback addresses only.")
        static let chatDefaultModel = Setting(
            "chat_default_model", environment: "HANGAR_CHAT_DEFAULT_MODEL", value: "provider/model", default: "none (the model is required)",
            help: "Model of a chat session created without one.")
        static let defaultBrowserAgent = Setting(
            "default_browser_agent", environment: "HANGAR_DEFAULT_BROWSER_AGENT", value: "agent name", default: "browser",
            help: "Agent that a task without `agent_id` (seed 000's `{\"task\": …}`) goes to.")
        static let defaultBrowserModel = Setting(
            "default_browser_model", environment: "HANGAR_DEFAULT_BROWSER_MODEL", value: "provider/model", default: "none (the agent must exist)",
            help: "Model of that agent when Hangar creates it on first use; unset, such a task is refused until the agent exists.")
        static let metricsPublic = Setting(
            "metrics_public", environment: "HANGAR_METRICS_PUBLIC", value: "true/false", default: "false",
            help: "`GET /metrics` without a credential, for scrapers.")
        static let logRequests = Setting(
            "log_requests", environment: "HANGAR_LOG_REQUESTS", value: "true/false", default: "false", help: "One log line per request at info level.")
        static let trustedProxies = Setting(
            "trusted_proxies", environment: "HANGAR_TRUSTED_PROXIES", value: "addresses and CIDR blocks, comma-separated", default: "none",
            help: "Proxies whose `X-Forwarded-For` / `Forwarded` headers name the client.")
        static let maxHeaderBytes = Setting(
            "max_header_bytes", environment: "HANGAR_MAX_HEADER_BYTES", value: "integer ≥ 1024", default: "32768", help: "Largest request head.")
        static let headerTimeout = Setting(
            "header_timeout", environment: "HANGAR_HEADER_TIMEOUT", value: "duration", default: "10s", help: "Time a client has to send a request head.")
        static let idleTimeout = Setting(
            "idle_timeout", environment: "HANGAR_IDLE_TIMEOUT", value: "duration", default: "60s", help: "Keep-alive connection idle time.")
        static let maxConnectionsPerClient = Setting(
            "max_connections_per_client", environment: "HANGAR_MAX_CONNECTIONS_PER_CLIENT", value: "integer ≥ 1", default: "256",
            help: "Open connections per client address.")
        static let agentCreations = Setting(
            "rate.agent_creations", environment: "HANGAR_RATE_AGENT_CREATIONS", value: "integer ≥ 0 (0: off)", default: "10",
            help: "Agents a caller may register per hour.")
        static let requestsPerMinute = Setting(
            "rate.requests_per_minute", environment: "HANGAR_RATE_REQUESTS_PER_MINUTE", value: "integer ≥ 0 (0: off)", default: "0",
            help: "Requests per caller and minute, every route.")
        static let wsPerUser = Setting(
            "ws.max_per_user", environment: "HANGAR_WS_MAX_PER_USER", value: "integer ≥ 1", default: "50", help: "Open WebSockets per caller.")
        static let wsPerTenant = Setting(
            "ws.max_per_tenant", environment: "HANGAR_WS_MAX_PER_TENANT", value: "integer ≥ 1, ≤ ws.max_total", default: "100",
            help: "Open WebSockets per tenant.")
        static let wsTotal = Setting("ws.max_total", environment: "HANGAR_WS_MAX_TOTAL", value: "integer ≥ 1", default: "200", help: "Open WebSockets in all.")
        static let wsMessagesPerMinute = Setting(
            "ws.messages_per_minute", environment: "HANGAR_WS_MESSAGES_PER_MINUTE", value: "integer ≥ 1", default: "100",
            help: "Messages a client may send per minute on one socket.")
        static let wsIdleTimeout = Setting(
            "ws.idle_timeout", environment: "HANGAR_WS_IDLE_TIMEOUT", value: "duration", default: "90s", help: "A silent socket is closed after this.")
        static let wsSendBuffer = Setting(
            "ws.send_buffer", environment: "HANGAR_WS_SEND_BUFFER", value: "integer ≥ 1", default: "1024",
            help: "Messages queued for a slow reader before it is closed.")
        static let ssePerUser = Setting(
            "sse.max_per_user", environment: "HANGAR_SSE_MAX_PER_USER", value: "integer ≥ 1", default: "50", help: "Open event streams per caller.")
        static let ssePerTenant = Setting(
            "sse.max_per_tenant", environment: "HANGAR_SSE_MAX_PER_TENANT", value: "integer ≥ 1, ≤ sse.max_total", default: "100",
            help: "Open event streams per tenant.")
        static let sseTotal = Setting(
            "sse.max_total", environment: "HANGAR_SSE_MAX_TOTAL", value: "integer ≥ 1", default: "200", help: "Open event streams in all.")
    }

    enum Database {
        static let url = Setting(
            "url", environment: "HANGAR_DATABASE_URL", flag: "--database", value: "postgres://user:pass@host:port/db or a SQLite path",
            default: "SQLite in the data directory", secret: true, help: "The database; PostgreSQL lets several processes share the queue.")
        static let dataDir = Setting(
            "data_dir", environment: "HANGAR_DATA_DIR", flag: "--data-dir", value: "directory", default: "./.hangar",
            help: "The SQLite database, the admin key, the secrets key, blobs and browser profiles.")
        static let wait = Setting(
            "wait", environment: "HANGAR_DATABASE_WAIT", flag: "--database-wait", value: "duration", default: "60s",
            help: "How long start-up retries a PostgreSQL server that does not answer (0: no retry).")
        static let sqliteSync = Setting(
            "sqlite_sync", environment: "HANGAR_SQLITE_SYNC", value: "normal, full", default: "normal",
            help: "`full` fsyncs every commit: acknowledged work survives the machine losing power or its disk going read-only.")
    }

    enum Workers {
        static let count = Setting(
            "count", environment: "HANGAR_WORKERS", flag: "--workers", value: "integer ≥ 0", default: "16",
            help: "Tasks this process runs at once (`serve --workers 0`: API only).")
        static let lease = Setting(
            "lease", environment: "HANGAR_LEASE_SECONDS", flag: "--lease-seconds", value: "duration ≥ 0.5s", default: "30s",
            help: "Lease a worker holds on a task between heartbeats.")
        static let claimBatch = Setting(
            "claim_batch", environment: "HANGAR_CLAIM_BATCH", flag: "--claim-batch", value: "integer ≥ 1", default: "32",
            help: "Most tasks taken per claim.")
        static let retention = Setting(
            "retention", environment: "HANGAR_RETENTION", flag: "--retention", value: "duration", default: "7d",
            help: "How long finished tasks, their events, usage records and incidents are kept.")
    }

    enum Security {
        static let level = Setting(
            "level", environment: "HANGAR_SECURITY_LEVEL", aliases: ["SECURITY_LEVEL"], value: "strict, moderate, lenient", default: "moderate",
            help: "Limits on agent definitions, timeouts, tools and the network.")
        static let allowedDomains = Setting(
            "allowed_domains", environment: "HANGAR_ALLOWED_DOMAINS", aliases: ["ALLOWED_DOMAINS"], value: "host names, comma-separated; `*`: any public host",
            default: "the level's", help: "Hosts tools and browser agents may reach.")
        static let allowPrivateNetworks = Setting(
            "allow_private_networks", environment: "HANGAR_ALLOW_PRIVATE_NETWORKS", value: "true/false", default: "the level's",
            help: "Let tools, webhooks and browsers reach private and loopback addresses.")
        static let mcpCommands = Setting(
            "mcp_commands", environment: "HANGAR_MCP_COMMANDS", value: "commands, comma-separated; `*`: any", default: "none",
            help: "Programs an agent's stdio MCP server may run.")
        static let externalCommands = Setting(
            "external_commands", environment: "HANGAR_EXTERNAL_COMMANDS", value: "commands, comma-separated; `*`: any", default: "none",
            help: "Programs an external agent's job (`config.command[0]`) may run on a worker.")
        static let secretKey = Setting(
            "secret_key", environment: "HANGAR_SECRET_KEY", value: "key", default: "`<data-dir>/secret.key`", secret: true,
            help: "Master key of agent secrets; processes sharing a database need the same one.")
        static let adminKey = Setting(
            "admin_key", environment: "HANGAR_ADMIN_KEY", aliases: ["API_KEY"], value: "API key", default: "created on first start", secret: true,
            help: "The first admin API key, instead of a generated one.")
    }

    enum Webhooks {
        static let secret = Setting(
            "secret", environment: "HANGAR_WEBHOOK_SECRET", value: "text", default: "unset", secret: true, help: "Signs `callback_url` deliveries.")
        static let retryPeriod = Setting(
            "retry_period", environment: "HANGAR_WEBHOOK_RETRY_PERIOD", value: "duration", default: "24h", help: "How long a delivery is retried.")
        static let retrySchedule = Setting(
            "retry_schedule", environment: "HANGAR_WEBHOOK_RETRY_SCHEDULE", value: "durations, comma-separated", default: "exponential",
            help: "Delays between attempts (such as `5s,30s,2m`).")
        static let timeout = Setting("timeout", environment: "HANGAR_WEBHOOK_TIMEOUT", value: "duration", default: "10s", help: "Per attempt.")
    }

    enum Browser {
        static let chromePath = Setting(
            "chrome_path", environment: "HANGAR_CHROME_PATH", aliases: ["CHROME_PATH"], value: "path of an executable",
            default: "`chromium`, `chromium-browser` or `google-chrome` on `PATH`",
            help: "The browser `browser` agents launch (only when a task needs one).")
        static let maxSessions = Setting(
            "max_sessions", environment: "HANGAR_BROWSER_MAX_SESSIONS", value: "integer ≥ 1", default: "8",
            help: "Persistent browser sessions this process keeps.")
        static let sessionIdleTimeout = Setting(
            "session_idle_timeout", environment: "HANGAR_BROWSER_SESSION_IDLE_TIMEOUT", value: "seconds", default: "900",
            help: "A session nobody used for this long is closed.")
        static let environments = Setting(
            "environments", environment: "HANGAR_BROWSER_ENVIRONMENTS", value: "JSON or `@file`", default: "none",
            help: "The operator's named remote browsers (docs/browser-agents.md).")
    }

    enum Process {
        static let heartbeat = Setting(
            "heartbeat", environment: "HANGAR_PROCESS_HEARTBEAT", value: "duration ≥ 100ms", default: "5s",
            help: "How often a process of a shared database says it is alive; silent for three, it is dead.")
        static let internalHost = Setting(
            "internal_host", environment: "HANGAR_INTERNAL_HOST", value: "address", default: "127.0.0.1",
            help: "Where the internal listener (browser sessions, narration) binds.")
        static let internalPort = Setting(
            "internal_port", environment: "HANGAR_INTERNAL_PORT", value: "0–65535", default: "0", help: "Its port (0: any free port).")
        static let internalURL = Setting(
            "internal_url", environment: "HANGAR_INTERNAL_URL", value: "URL", default: "http://host:port",
            help: "The address other processes use to reach it (another machine, a container).")
        static let metricsHost = Setting(
            "metrics_host", environment: "HANGAR_METRICS_HOST", value: "address", default: "127.0.0.1", help: "`hangar worker`'s `/metrics` listener.")
        static let metricsPort = Setting(
            "metrics_port", environment: "HANGAR_METRICS_PORT", value: "0–65535", default: "unset (none)", help: "Its port; unset, a worker serves no metrics.")
    }

    enum Logging {
        static let level = Setting(
            "level", environment: "HANGAR_LOG_LEVEL", value: "trace, debug, info, notice, warning, error, critical", default: "info", help: "Least severe level logged.")
        static let format = Setting("format", environment: "HANGAR_LOG_FORMAT", value: "text, json", default: "text", help: "`json`: one JSON object per line.")
    }
}
