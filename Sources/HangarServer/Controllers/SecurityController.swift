import Foundation
import HangarCore
import HangarStore
import HTTPTypes
import Hummingbird
import NIOPosix

/// `/api/v1/security/*` (seed 004 "Security Endpoints"): the level's limits, the tenant's
/// incidents and their resolution, per-agent reports, a health summary, and the check a tool
/// runs before it executes (blocked types, network policy, per-tool and external rate limits).
struct SecurityController {
    let store: any IncidentStore & AgentStore & QuotaStore & TaskStore & AuditStore & IdentityStore
    let configuration: ServerConfiguration
    let incidents: IncidentRecorder

    var policy: SecurityPolicy { configuration.security }

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.get("/api/v1/security/status", use: status)
        router.post("/api/v1/security/status", use: updateStatus)
        router.get("/api/v1/security/limits", use: limits)
        router.get("/api/v1/security/health", use: health)
        router.get("/api/v1/security/incidents", use: listIncidents)
        router.post("/api/v1/security/incidents/{incident_id}/resolve", use: resolve)
        router.get("/api/v1/security/agents/{agent_id}/report", use: agentReport)
        router.post("/api/v1/security/validate-tool-execution", use: validateToolExecution)
    }

    @Sendable func status(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let tenant = context.tenantID
        let recent = try await store.incidentList(IncidentListParams(tenantID: tenant, limit: 10))
        let unresolved = try await store.incidentList(IncidentListParams(tenantID: tenant, resolved: false, limit: 1)).total
        let running = try await runningAgents(tenant)
        return JSONResponse.make([
            "security_level": .string(policy.level.rawValue),
            "active_agents": .int(Int64(running.agents)),
            "total_incidents": .int(Int64(recent.total)),
            "unresolved_incidents": .int(Int64(unresolved)),
            "recent_incidents": .array(
                recent.incidents.map {
                    [
                        "id": .string($0.id), "agent_id": $0.agentID.map(JSONValue.string) ?? .null, "type": .string($0.kind.rawValue),
                        "severity": .string($0.severity.rawValue), "timestamp": .string(Timestamp.format($0.createdAt)),
                    ]
                }),
            "resource_limits": try await resourceLimits(tenant),
            "current_usage": [
                "active_agents": .int(Int64(running.agents)), "running_tasks": .int(Int64(running.tasks)),
                "total_memory_mb": .int(Int64(try await reservedMemoryMB(tenant, running: running.byAgent))),
                "agents": .int(Int64(try await store.agentCount(tenantID: tenant))),
                "tasks_last_hour": .int(Int64(try await store.taskCountSince(tenantID: tenant, since: Date().addingTimeInterval(-3600)))),
            ],
            "timestamp": .string(Timestamp.format(Date())),
        ])
    }

    /// Seed 004's "update security status and configuration": the tenant's resource limits, in the
    /// status answer's own names (`resource_limits.max_concurrent_agents`, `max_memory_mb`, …,
    /// or the same keys at the top level; `null` lifts a limit), stored as its quota. A system
    /// admin only, as for `PUT /api/v1/quotas`: a tenant must not raise its own limits. The
    /// security level and the execution time limit are the process's settings, the same in
    /// every replica, so they are refused here rather than changed in one process.
    @Sendable func updateStatus(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let limitKeys = ["max_concurrent_agents", "max_memory_mb", "max_agents", "max_tasks_per_hour"]
        let settingKeys = ["security_level": "HANGAR_SECURITY_LEVEL", "max_execution_time": "HANGAR_SECURITY_LEVEL (its execution limit)"]
        let body = try await JSONBody.read(
            request, limit: configuration.maxBodyBytes, accepting: Set(limitKeys + Array(settingKeys.keys) + ["resource_limits", "tenant_id"]))
        var limits = body
        var prefix = ""
        if let nested = try body.object("resource_limits"), case .object(let fields) = nested {
            let unknown = Set(fields.keys).subtracting(limitKeys + ["max_execution_time"])
            if let first = unknown.sorted().first { throw APIError.invalid("resource_limits.\(first)", "is not a limit that can be set here; these are: \(limitKeys.joined(separator: ", "))") }
            if !limitKeys.filter(body.has).isEmpty { throw APIError.invalid("resource_limits", "give the limits either in resource_limits or at the top level, not both") }
            limits = JSONBody(fields: fields)
            prefix = "resource_limits."
        }
        for (key, setting) in settingKeys.sorted(by: { $0.key < $1.key }) where body.has(key) || limits.has(key) {
            let field = body.has(key) ? key : "resource_limits.\(key)"
            throw APIError.invalid(field, "is set for the whole deployment by \(setting) at start, not through the API")
        }
        let tenant = try body.string("tenant_id", maxLength: 64) ?? context.tenantID
        guard try await store.tenantList().contains(where: { $0.id == tenant }) else { throw APIError.notFound("tenant", tenant) }
        var quota = try await store.quotaGet(tenantID: tenant)
        if limits.has("max_concurrent_agents") { quota.maxConcurrentTasks = try limits.int("max_concurrent_agents", in: 1...1_000_000, prefix: prefix) }
        if limits.has("max_memory_mb") { quota.maxMemoryMB = try limits.int("max_memory_mb", in: 0...1_000_000_000, prefix: prefix) }
        if limits.has("max_agents") { quota.maxAgents = try limits.int("max_agents", in: 1...1_000_000, prefix: prefix) }
        if limits.has("max_tasks_per_hour") { quota.maxTasksPerHour = try limits.int("max_tasks_per_hour", in: 1...100_000_000, prefix: prefix) }
        try await store.quotaSet(quota)
        await AuditLog.record(
            store, context, action: "quota.update", resourceType: "tenant", resourceID: tenant,
            details: ["via": "POST /api/v1/security/status", "resource_limits": try await resourceLimits(tenant)])
        if tenant == context.tenantID { return try await status(request, context: context) }
        return JSONResponse.make(["tenant_id": .string(tenant), "resource_limits": try await resourceLimits(tenant)])
    }

    @Sendable func limits(_ request: Request, context: HangarRequestContext) async throws -> Response {
        guard case .object(var fields) = policy.json else { return JSONResponse.make(policy.json) }
        fields["resource_limits"] = try await resourceLimits(context.tenantID)
        fields["request_limits"] = [
            "max_body_bytes": .int(Int64(configuration.maxBodyBytes)), "max_json_depth": .int(Int64(JSONText.maxDepth)),
            "agent_creations_per_hour": configuration.rateLimits.agentCreationsPerHour.map(JSONValue.double) ?? .null,
            "requests_per_minute": configuration.rateLimits.requestsPerMinute.map(JSONValue.double) ?? .null,
        ]
        return JSONResponse.make(.object(fields))
    }

    /// `healthy`, `warning` (unresolved high-severity incidents) or `critical` (unresolved critical ones).
    @Sendable func health(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let tenant = context.tenantID
        let total = try await store.incidentList(IncidentListParams(tenantID: tenant, limit: 1)).total
        let high = try await store.incidentList(IncidentListParams(tenantID: tenant, severity: .high, resolved: false, limit: 1)).total
        let critical = try await store.incidentList(IncidentListParams(tenantID: tenant, severity: .critical, resolved: false, limit: 1)).total
        let (status, message): (String, String) =
            critical > 0
            ? ("critical", "\(critical) unresolved critical security incidents")
            : high > 0 ? ("warning", "\(high) unresolved high/critical security incidents") : ("healthy", "no unresolved high/critical security incidents")
        return JSONResponse.make([
            "status": .string(status), "message": .string(message),
            "metrics": [
                "total_incidents": .int(Int64(total)), "active_agents": .int(Int64(try await runningAgents(tenant).agents)),
                "unresolved_high_severity": .int(Int64(high + critical)),
            ],
            "security_level": .string(policy.level.rawValue), "timestamp": .string(Timestamp.format(Date())),
        ])
    }

    @Sendable func listIncidents(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let params = try Self.filter(Query(request), tenantID: context.tenantID)
        let page = try await store.incidentList(params)
        return JSONResponse.make([
            "incidents": .array(page.incidents.map(IncidentRepresentation.json)), "total_count": .int(Int64(page.total)),
            "limit": .int(Int64(params.limit)), "offset": .int(Int64(params.offset)),
        ])
    }

    @Sendable func resolve(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("incident_id")
        let notes = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: ["resolution_notes"], allowEmpty: true).string("resolution_notes", maxLength: 10_000)
        guard let incident = try await store.incidentResolve(tenantID: context.tenantID, id: id, by: context.actor, notes: notes) else {
            throw APIError.notFound("incident", id)
        }
        await AuditLog.record(store, context, action: "incident.resolve", resourceType: "incident", resourceID: id)
        return JSONResponse.make(IncidentRepresentation.json(incident))
    }

    @Sendable func agentReport(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let reference = try context.parameters.decoded("agent_id")
        guard let agent = try await store.agentGet(tenantID: context.tenantID, idOrName: reference) else { throw APIError.notFound("agent", reference) }
        let page = try await store.incidentList(IncidentListParams(tenantID: context.tenantID, agentID: agent.id, limit: 1000))
        let tasks = try await store.taskList(TaskListParams(tenantID: context.tenantID, agentID: agent.id, limit: 1000))
        func counts(_ keys: [String]) -> JSONValue {
            .object(Dictionary(keys.map { ($0, 1) }, uniquingKeysWith: +).mapValues { .int(Int64($0)) })
        }
        let byType = counts(page.incidents.map(\.kind.rawValue))
        let bySeverity = counts(page.incidents.map(\.severity.rawValue))
        let taskStatus = counts(tasks.map(\.status.rawValue))
        let violations = policy.violations(inAgentConfig: agent.config)
        let unresolved = page.incidents.filter { !$0.resolved }.count
        let recent = page.incidents.prefix(100)
        // Seconds the agent's examined tasks ran, start to end (wall time, not CPU time).
        let runSeconds = tasks.compactMap { task in task.startedAt.map { (task.completedAt ?? Date()).timeIntervalSince($0) } }.reduce(0, +)
        return JSONResponse.make([
            "agent_id": .string(agent.id), "agent_name": .string(agent.name), "agent_type": .string(agent.kind),
            "security_level": .string(policy.level.rawValue),
            // Seed 004's shape: `incidents` is the list, `is_secure` the verdict, `start_time` when
            // the agent was registered. Hangar does not measure an in-process agent's memory peak or
            // CPU time, so those are null rather than a guess; `reserved_memory_mb` and
            // `run_seconds` say what is known.
            "is_secure": .bool(violations.isEmpty && unresolved == 0),
            "start_time": .string(Timestamp.format(agent.createdAt)),
            "incidents": .array(recent.map(IncidentRepresentation.json)),
            "security_events": .array(
                recent.map {
                    [
                        "type": .string($0.kind.rawValue), "severity": .string($0.severity.rawValue), "timestamp": .string(Timestamp.format($0.createdAt)),
                        "description": .string($0.description),
                    ]
                }),
            "resource_usage": [
                "memory_peak_mb": .null, "cpu_time_seconds": .null, "reserved_memory_mb": .int(Int64(agent.resources.memoryMB)),
                "run_seconds": .double(runSeconds),
            ],
            "definition": [
                "compliant": .bool(violations.isEmpty),
                "violations": .array(violations.map { ["field": .string($0.field), "message": .string($0.message), "type": .string($0.kind.rawValue)] }),
                "tools": .int(Int64(agent.config["tools"]?.arrayValue?.count ?? 0)),
            ],
            "incident_summary": [
                "total": .int(Int64(page.total)), "unresolved": .int(Int64(unresolved)), "by_type": byType, "by_severity": bySeverity,
            ],
            "recent_tasks": ["examined": .int(Int64(tasks.count)), "by_status": taskStatus],
            "resources": [
                "cpu": .double(agent.resources.cpu), "memory_mb": .int(Int64(agent.resources.memoryMB)), "gpu": .int(Int64(agent.resources.gpu)),
                "max_concurrency": agent.maxConcurrency.map { .int(Int64($0)) } ?? .null,
            ],
            "generated_at": .string(Timestamp.format(Date())),
        ])
    }

    /// Whether a tool may run now: `200 {allowed, violations}`; `429` when its rate limit is
    /// spent (a token is taken when allowed, so call it once per execution). Refusals of
    /// blocked tools and internal targets are recorded as incidents.
    @Sendable func validateToolExecution(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: ["agent_id", "tool_name", "tool_type", "parameters", "input_data", "url"])
        guard let toolName = try body.string("tool_name", maxLength: 128), !toolName.isEmpty else { throw APIError.invalid("tool_name", "is required") }
        let toolType = try body.string("tool_type", maxLength: 128) ?? toolName
        // Seed 004's client sends the call's arguments as `input_data`.
        let parameters = try body.object("parameters") ?? body.object("input_data") ?? .emptyObject
        guard case .object(let parameterFields) = parameters else { throw APIError.invalid("parameters", "must be a JSON object") }
        let url = try body.string("url", maxLength: 8192) ?? JSONBody(fields: parameterFields).string("url", maxLength: 8192, prefix: "parameters.")
        var agentID: String?
        var violations: [JSONValue] = []
        func refuse(_ type: String, _ message: String, _ kind: SecurityIncident.Kind, _ severity: SecurityIncident.Severity) async {
            violations.append(["type": .string(type), "message": .string(message)])
            await incidents.record(
                SecurityIncident(
                    tenantID: context.tenantID, kind: kind, severity: severity, description: "\(toolName): \(message)", agentID: agentID,
                    actor: context.actor, details: ["tool_name": .string(toolName), "tool_type": .string(toolType), "url": url.map(JSONValue.string) ?? .null]))
        }

        if let reference = try body.string("agent_id", maxLength: 256) {
            guard let agent = try await store.agentGet(tenantID: context.tenantID, idOrName: reference) else { throw APIError.notFound("agent", reference) }
            agentID = agent.id
            if let tools = agent.config["tools"]?.arrayValue,
                !tools.contains(where: { ($0.stringValue ?? $0["name"]?.stringValue ?? $0["type"]?.stringValue) == toolName })
            {
                await refuse("tool_not_configured", "agent '\(agent.name)' does not list the tool '\(toolName)'", .permissionDenied, .medium)
            }
        }
        if policy.blockedToolTypes.contains(toolType.lowercased()) || policy.blockedToolTypes.contains(toolName.lowercased()) {
            await refuse("blocked_tool_type", "tool type '\(toolType)' is blocked at security level \(policy.level.rawValue)", .permissionDenied, .high)
        }
        var addresses: [String] = []
        if let url {
            // Resolving a name blocks; keep it off the threads that serve requests.
            let network = policy.network
            switch try await NIOThreadPool.singleton.runIfActive({ network.check(url: url) }) {
            case .allowed(let resolved): addresses = resolved
            case .refused(let reason, let internalAddress):
                await refuse(internalAddress ? "ssrf_blocked" : "domain_not_allowed", reason, internalAddress ? .ssrfBlocked : .permissionDenied, internalAddress ? .high : .medium)
            }
        }
        var headers: HTTPFields = [:]
        if violations.isEmpty {
            headers = try await RateLimits.take(store, bucket: "tool:\(toolName)", perHour: policy.toolExecutionsPerHour, context: context, scope: .tenant,
                setting: "HANGAR_SECURITY_LEVEL (tool executions per hour)")
            if url != nil {
                _ = try await RateLimits.take(store, bucket: "external_requests", perHour: policy.externalRequestsPerHour, context: context, scope: .tenant,
                    setting: "HANGAR_SECURITY_LEVEL (external requests per hour)")
            }
        }
        return JSONResponse.make(
            [
                "allowed": .bool(violations.isEmpty), "tool_name": .string(toolName), "tool_type": .string(toolType),
                "agent_id": agentID.map(JSONValue.string) ?? .null, "violations": .array(violations),
                "resolved_addresses": .array(addresses.map(JSONValue.string)), "step_timeout": .double(policy.stepTimeoutSeconds),
                "security_level": .string(policy.level.rawValue),
                // Seed 004's field: when the check ran, in seconds since 1970.
                "validation_time": .double(Date().timeIntervalSince1970),
            ], headers: headers)
    }

    static func filter(_ query: Query, tenantID: String) throws -> IncidentListParams {
        var params = IncidentListParams(
            tenantID: tenantID, limit: try query.int("limit", in: 1...1000, default: 50), offset: try query.int("offset", in: 0...10_000_000, default: 0))
        if let severity = query.string("severity") {
            guard let parsed = SecurityIncident.Severity(rawValue: severity.lowercased()) else {
                throw APIError.invalid("severity", "must be one of \(SecurityIncident.Severity.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            params.severity = parsed
        }
        if let type = query.string("type") ?? query.string("violation_type") {
            guard let parsed = SecurityIncident.Kind(rawValue: type.uppercased()) else {
                throw APIError.invalid("type", "must be one of \(SecurityIncident.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            params.kind = parsed
        }
        params.agentID = query.string("agent_id")
        if query.string("resolved") != nil { params.resolved = try query.bool("resolved", default: false) }
        for (key, path) in [("since", \IncidentListParams.since), ("until", \IncidentListParams.until)] {
            guard let text = query.string(key) else { continue }
            guard let date = Timestamp.parse(text) else { throw APIError.invalid(key, "must be an ISO 8601 time such as 2026-01-01T12:00:00Z") }
            params[keyPath: path] = date
        }
        return params
    }

    /// Running tasks by agent id.
    private func runningAgents(_ tenant: String) async throws -> (agents: Int, tasks: Int, byAgent: [String: Int]) {
        let running = try await store.taskList(TaskListParams(tenantID: tenant, statuses: [.running], limit: 10_000))
        var byAgent: [String: Int] = [:]
        for task in running { byAgent[task.agentID, default: 0] += 1 }
        return (byAgent.count, running.count, byAgent)
    }

    /// The memory the running tasks' agents reserve (seed 004's `total_memory_mb`).
    private func reservedMemoryMB(_ tenant: String, running byAgent: [String: Int]) async throws -> Int {
        var memoryMB = 0
        for (agentID, tasks) in byAgent {
            memoryMB += (try await store.agentGet(tenantID: tenant, idOrName: agentID)?.resources.memoryMB ?? 0) * tasks
        }
        return memoryMB
    }

    private func resourceLimits(_ tenant: String) async throws -> JSONValue {
        let quota = try await store.quotaGet(tenantID: tenant)
        return [
            "max_concurrent_tasks": quota.maxConcurrentTasks.map { .int(Int64($0)) } ?? .null,
            // Seed 004's names for the same limits.
            "max_concurrent_agents": quota.maxConcurrentTasks.map { .int(Int64($0)) } ?? .null,
            "max_memory_mb": quota.maxMemoryMB.map { .int(Int64($0)) } ?? .null,
            "max_tasks_per_hour": quota.maxTasksPerHour.map { .int(Int64($0)) } ?? .null,
            "max_agents": quota.maxAgents.map { .int(Int64($0)) } ?? .null,
            "max_execution_time": .double(policy.maxExecutionSeconds),
        ]
    }
}
