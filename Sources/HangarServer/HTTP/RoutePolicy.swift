import HangarCore

/// Who may call each route, as one table. A route missing from it is refused (403): the
/// authorization-matrix test walks the router and fails on any route without an entry.
///
/// | role | may |
/// | --- | --- |
/// | viewer | read agents, their usage, workflow definitions, tasks, events, chat sessions, queue statistics; `whoami` |
/// | operator | also create, change and delete agents and their secrets and workflow definitions, decrypt secrets (audited); submit, change and cancel tasks; chat; speak |
/// | admin | also manage API keys, read the audit log, security status, incidents and agent reports of its tenant |
/// | admin of the default tenant | also create tenants, manage any tenant's keys, change the voice registry |
/// | viewer of the default tenant | Prometheus metrics (`/metrics`, `/api/v1/metrics`: process-wide, every tenant's agent ids); `/metrics` is public with `HANGAR_METRICS_PUBLIC=true` |
///
/// Host system metrics (`/api/v1/system/…`) are for any viewer: they describe the machine, not a tenant's data.
public enum RoutePolicy {
    public enum Requirement: Sendable, Equatable {
        case `public`
        case role(Role)
        /// At least this role, in the default tenant: for process-wide data that spans tenants
        /// (Prometheus metrics carry every tenant's agent ids).
        case defaultTenant(Role)
        case systemAdmin
    }

    public static let table: [String: Requirement] = [
        "GET /": .public,
        "GET /api/v1/health": .public,
        "GET /health": .public,
        "GET /api/v1/ready": .public,
        "GET /openapi.json": .public,
        "GET /docs": .public,
        "GET /redoc": .public,

        "GET /api/v1/queue/stats": .role(.viewer),

        "GET /api/v1/logs/history": .role(.viewer),
        "GET /api/v1/logs/{task_id}": .role(.viewer),
        "GET /api/v1/logs/stream/{task_id}": .role(.viewer),

        // Metrics (docs/observability.md). Prometheus text needs a default-tenant credential
        // (its series span tenants); `GET /metrics` is public when `HANGAR_METRICS_PUBLIC=true`
        // (a scraper without a credential); see `requirement`.
        "GET /metrics": .defaultTenant(.viewer),
        "GET /api/v1/metrics": .defaultTenant(.viewer),
        "GET /api/v1/system/metrics": .role(.viewer),
        "GET /api/v1/system/metrics/cpu": .role(.viewer),
        "GET /api/v1/system/metrics/memory": .role(.viewer),
        "GET /api/v1/system/metrics/disk": .role(.viewer),
        "GET /api/v1/system/metrics/network": .role(.viewer),
        "GET /api/v1/system/metrics/gpu": .role(.viewer),
        "GET /api/v1/system/metrics/load": .role(.viewer),
        "GET /api/v1/system/metrics/swap": .role(.viewer),
        "GET /api/v1/system/info": .role(.viewer),

        "GET /api/v1/models/available": .role(.viewer),
        "GET /api/v1/models/providers": .role(.viewer),
        "POST /api/v1/models/select": .role(.viewer),
        "POST /api/v1/models/refresh": .role(.operator),
        "GET /api/v1/ollama/models": .role(.viewer),
        "GET /api/v1/ollama/models/names": .role(.viewer),
        "GET /api/v1/ollama/health": .role(.viewer),
        "POST /api/v1/ollama/models/pull/{model_name}": .role(.operator),
        "GET /api/v1/auth/whoami": .role(.viewer),

        "GET /api/v1/agents": .role(.viewer),
        "GET /api/v1/agents/{agent_id}": .role(.viewer),
        "POST /api/v1/agents": .role(.operator),
        "POST /api/v1/agents/create": .role(.operator),
        "PUT /api/v1/agents/{agent_id}": .role(.operator),
        "DELETE /api/v1/agents/{agent_id}": .role(.operator),
        "GET /api/v1/agents/{agent_id}/usage": .role(.viewer),

        // Bots (issue 16, seed 003; docs/bots.md): deploying and restarting act like creating
        // an agent; the seed's paths without /api/v1 are the same handlers. The platform's
        // webhook is public: it proves itself with the bot's secret token instead.
        "POST /api/v1/agents/deploy": .role(.operator),
        "POST /agents/deploy": .role(.operator),
        "POST /api/v1/agents/{agent_id}/restart": .role(.operator),
        "POST /agents/{agent_id}/restart": .role(.operator),
        "GET /agents/{agent_id}": .role(.viewer),
        "DELETE /agents/{agent_id}": .role(.operator),
        "POST /webhook/{agent_id}": .public,

        "GET /api/v1/agents/{agent_id}/secrets": .role(.viewer),
        "GET /api/v1/agents/{agent_id}/secrets/{secret_id}": .role(.viewer),  // ?decrypt=true: operator, checked in the handler
        "POST /api/v1/agents/{agent_id}/secrets": .role(.operator),
        "PUT /api/v1/agents/{agent_id}/secrets/{secret_id}": .role(.operator),
        "DELETE /api/v1/agents/{agent_id}/secrets/{secret_id}": .role(.operator),
        "GET /api/v1/agents/{agent_id}/secrets/{secret_id}/value": .role(.operator),  // {secret_id}: the id or the key

        "GET /api/v1/tasks": .role(.viewer),
        "GET /api/v1/tasks/{task_id}": .role(.viewer),
        "GET /api/v1/tasks/{task_id}/status": .role(.viewer),
        "GET /api/v1/tasks/{task_id}/events": .role(.viewer),
        "GET /api/v1/tasks/{task_id}/screenshots/{step}": .role(.viewer),
        "GET /api/v1/tasks/{task_id}/narration/audio": .role(.viewer),

        // Browser sessions and training-data capture (docs/browser.md, docs/capture.md).
        "POST /api/v1/sessions": .role(.operator),
        "GET /api/v1/sessions": .role(.viewer),
        "GET /api/v1/sessions/{session_id}": .role(.viewer),
        "DELETE /api/v1/sessions/{session_id}": .role(.operator),
        "GET /api/v1/sessions/{session_id}/screenshot": .role(.viewer),
        "POST /api/v1/capture/episodes": .role(.operator),
        "GET /api/v1/capture/episodes": .role(.viewer),
        "GET /api/v1/capture/episodes/{episode_id}": .role(.viewer),
        "DELETE /api/v1/capture/episodes/{episode_id}": .role(.operator),
        "GET /api/v1/capture/datasets": .role(.viewer),
        "POST /api/v1/capture/datasets/{dataset_id}/upload": .role(.operator),
        "GET /api/v1/capture/config": .role(.viewer),
        "PUT /api/v1/capture/config": .role(.admin),  // `remote`: the system administrator only, checked in the handler
        "POST /api/v1/tasks": .role(.operator),
        "POST /api/v1/tasks/run": .role(.operator),
        "PUT /api/v1/tasks/{task_id}": .role(.operator),
        "DELETE /api/v1/tasks/{task_id}": .role(.operator),
        "GET /api/v1/tasks/{task_id}/deliveries": .role(.viewer),

        // Webhook subscriptions (seed 004 Phase 5), per tenant.
        "GET /api/v1/integration/webhooks": .role(.viewer),
        "POST /api/v1/integration/webhooks/subscribe": .role(.operator),
        "DELETE /api/v1/integration/webhooks/{subscription_id}": .role(.operator),

        // Workflow definitions (issue 18), per tenant, like agents.
        "GET /api/v1/workflows/definitions": .role(.viewer),
        "GET /api/v1/workflows/definitions/{workflow_id}": .role(.viewer),
        "GET /api/v1/workflows/definitions/{workflow_id}/versions/{version}": .role(.viewer),
        "POST /api/v1/workflows/definitions": .role(.operator),
        "PUT /api/v1/workflows/definitions/{workflow_id}": .role(.operator),
        "DELETE /api/v1/workflows/definitions/{workflow_id}": .role(.operator),

        // Chat sessions (seed 004): reading is for viewers; creating, sending, changing the
        // status and deleting are for operators (sending spends model tokens).
        "POST /api/v1/chat/sessions": .role(.operator),
        "GET /api/v1/chat/sessions": .role(.viewer),
        "GET /api/v1/chat/sessions/{session_id}": .role(.viewer),
        "DELETE /api/v1/chat/sessions/{session_id}": .role(.operator),
        "GET /api/v1/chat/sessions/{session_id}/messages": .role(.viewer),
        "POST /api/v1/chat/sessions/{session_id}/messages": .role(.operator),
        "PUT /api/v1/chat/sessions/{session_id}/status": .role(.operator),
        "GET /api/v1/chat/sessions/{session_id}/stats": .role(.viewer),
        "GET /api/v1/chat/templates": .role(.viewer),
        "GET /api/v1/chat/models": .role(.viewer),

        "GET /api/v1/keys": .role(.admin),
        "POST /api/v1/keys": .role(.admin),
        "DELETE /api/v1/keys/{key_id}": .role(.admin),
        "GET /api/v1/audit": .role(.admin),
        "GET /api/v1/quotas": .role(.viewer),
        "PUT /api/v1/quotas": .systemAdmin,
        "GET /api/v1/tenants": .systemAdmin,
        "POST /api/v1/tenants": .systemAdmin,

        // Security (seed 004): everyone in the tenant sees the limits and the health summary;
        // incidents and agent reports are for admins; tools ask before they run.
        "GET /api/v1/security/limits": .role(.viewer),
        "GET /api/v1/security/health": .role(.viewer),
        "GET /api/v1/security/status": .role(.admin),
        "POST /api/v1/security/status": .systemAdmin,
        "GET /api/v1/security/incidents": .role(.admin),
        "POST /api/v1/security/incidents/{incident_id}/resolve": .role(.admin),
        "GET /api/v1/security/agents/{agent_id}/report": .role(.admin),
        "POST /api/v1/security/validate-tool-execution": .role(.operator),

        // Speech. Requests and sessions belong to the caller's tenant; the voice registry is
        // one file shared by the whole server, so only the system admin changes it.
        "GET /api/v1/tts/status": .role(.viewer),
        "POST /api/v1/tts/speak": .role(.operator),
        "GET /api/v1/tts/requests/{request_id}": .role(.viewer),
        "GET /api/v1/tts/requests/{request_id}/audio": .role(.viewer),
        "POST /api/v1/tts/stream/start": .role(.operator),
        "POST /api/v1/tts/stream/text": .role(.operator),
        "POST /api/v1/tts/stream/stop": .role(.operator),
        "GET /api/v1/tts/stream/{session_id}": .role(.viewer),
        "GET /api/v1/tts/stream/{session_id}/audio": .role(.viewer),
        "DELETE /api/v1/tts/stop": .role(.operator),
        "GET /api/v1/voices": .role(.viewer),
        "GET /api/v1/voices/{voice_id}": .role(.viewer),
        "POST /api/v1/voices": .systemAdmin,
        "POST /api/v1/voices/reload": .systemAdmin,
        "PUT /api/v1/voices/{voice_id}": .systemAdmin,
        "DELETE /api/v1/voices/{voice_id}": .systemAdmin,
    ]

    public static func requirement(method: String, path: String, publicMetrics: Bool = false) -> Requirement? {
        if publicMetrics, method == "GET", path == "/metrics" { return .public }
        return table["\(method) \(path)"]
    }
}
