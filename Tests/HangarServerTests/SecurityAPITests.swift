import Foundation
import HangarAuth
import HangarCore
import HangarServer
import HangarStore
import HangarTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Security: incidents, levels, tool checks")
struct SecurityAPITests {
    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    static func incidents(_ client: any TestClientProtocol, _ query: String = "", as headers: HTTPFields) async throws -> [JSONValue] {
        let response = try await client.send(.get, "/api/v1/security/incidents\(query)", headers: headers)
        #expect(response.status == .ok, "\(response.text)")
        return response.json["incidents"]?.arrayValue ?? []
    }

    @Test("refusals become incidents: rate limits, quotas, refused definitions, blocked tools, SSRF; tenants see only theirs")
    func incidentsRecorded() async throws {
        try await withAPI(auth: .required, workers: false, rateLimits: RateLimits(agentCreationsPerHour: 3)) { client, store in
            // setup
            try await store.tenantUpsert(id: "acme", name: "Acme")
            try await store.tenantUpsert(id: "globex", name: "Globex")
            let admin = Self.bearer(try await AuthorizationTests.key(store, tenant: "acme", role: .admin, name: "admin").token)
            let operatorKey = try await AuthorizationTests.key(store, tenant: "acme", role: .operator, name: "op")
            let op = Self.bearer(operatorKey.token)
            let other = Self.bearer(try await AuthorizationTests.key(store, tenant: "globex", role: .admin, name: "g").token)
            #expect(try await Self.incidents(client, as: admin).isEmpty)

            // act: a definition with a blocked tool type, then one with too many tools (neither counts against the rate limit)
            let blocked = try await client.send(
                .post, "/api/v1/agents", json: ["model": "mock/echo", "name": "shell", "config": ["tools": [["type": "system_command"]]]], headers: op)
            #expect(blocked.status == .unprocessableContent)
            #expect(blocked.json["field"] == "config.tools[0]")
            let crowded = try await client.send(
                .post, "/api/v1/agents", json: ["model": "mock/echo", "name": "crowded", "config": ["tools": .array((0..<9).map { .string("t\($0)") })]], headers: op)
            #expect(crowded.status == .unprocessableContent && crowded.json["field"] == "config.tools")
            let deep = try await client.send(
                .post, "/api/v1/agents", json: ["model": "mock/echo", "name": "deep", "config": ["a": ["b": ["c": ["d": ["e": ["f": ["g": 1]]]]]]]], headers: op)
            #expect(deep.status == .unprocessableContent && deep.text.contains("nests 6 levels"))
            // the agent-creation rate limit: 3 created, the 4th refused
            for name in ["a1", "a2", "a3"] {
                #expect(try await client.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": .string(name), "config": ["tools": ["http_request"]]], headers: op).status == .created)
            }
            #expect(try await client.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "a4"], headers: op).status == .tooManyRequests)
            #expect(try await client.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "a5"], headers: op).status == .tooManyRequests)
            // tool checks: a cloud metadata address, loopback by name, a domain off the list, a tool the agent lacks
            let metadata = try await client.send(
                .post, "/api/v1/security/validate-tool-execution",
                json: ["tool_name": "http_request", "agent_id": "a1", "parameters": ["url": "http://169.254.169.254/latest/meta-data/"]], headers: op)
            #expect(metadata.status == .ok)
            #expect(metadata.json["allowed"] == false)
            #expect(metadata.json["violations"]?.arrayValue?.first?["type"] == "ssrf_blocked")
            // Seed 004's `validation_time`: when the check ran, in seconds since 1970.
            let checkedAt = try #require(metadata.json["validation_time"]?.doubleValue)
            #expect(abs(checkedAt - Date().timeIntervalSince1970) < 60)
            let loopback = try await client.send(
                .post, "/api/v1/security/validate-tool-execution", json: ["tool_name": "http_request", "url": "http://localhost:8000/api/v1/keys"], headers: op)
            #expect(loopback.json["allowed"] == false && loopback.json["violations"]?.arrayValue?.first?["type"] == "ssrf_blocked")
            let offList = try await client.send(
                .post, "/api/v1/security/validate-tool-execution", json: ["tool_name": "http_request", "url": "https://evil.example/x"], headers: op)
            #expect(offList.json["violations"]?.arrayValue?.first?["type"] == "domain_not_allowed")
            let unlisted = try await client.send(.post, "/api/v1/security/validate-tool-execution", json: ["tool_name": "current_time", "agent_id": "a1"], headers: op)
            #expect(unlisted.json["allowed"] == false && unlisted.json["violations"]?.arrayValue?.first?["type"] == "tool_not_configured")
            let scanner = try await client.send(.post, "/api/v1/security/validate-tool-execution", json: ["tool_name": "network_scanner"], headers: op)
            #expect(scanner.json["violations"]?.arrayValue?.first?["type"] == "blocked_tool_type")

            // validate
            let recorded = try await Self.incidents(client, as: admin)
            let types = Set(recorded.compactMap { $0["violation_type"]?.stringValue })
            #expect(types == ["PERMISSION_DENIED", "SCHEMA_VIOLATION", "RATE_LIMIT_EXCEEDED", "SSRF_BLOCKED"], "\(types)")
            let ssrf = try await Self.incidents(client, "?type=SSRF_BLOCKED", as: admin)
            #expect(ssrf.count == 2, "the same actor's repeats within a minute are one incident per agent")
            #expect(ssrf.contains { $0["agent_id"]?.stringValue != nil && $0["severity"] == "high" })
            let rate = try await Self.incidents(client, "?type=RATE_LIMIT_EXCEEDED", as: admin)
            #expect(rate.count == 1, "two refusals in a row are one incident")
            #expect(rate.first?["actor"] == .string("key:\(operatorKey.id)"))
            #expect(rate.first?["details"]?["path"] == "/api/v1/agents")
            #expect(try await Self.incidents(client, as: other).isEmpty, "another tenant sees none of them")
            #expect(try await client.send(.get, "/api/v1/security/incidents", headers: op).status == .forbidden)
        }
    }

    @Test("repeated failed authentications from one client become one AUTH_FAILURE incident for the system admin")
    func authFailures() async throws {
        try await withAPI(auth: .required, workers: false) { client, store in
            let root = Self.bearer(try await AuthorizationTests.key(store, tenant: Tenant.defaultID, role: .admin, name: "root").token)
            for attempt in 1...12 {
                #expect(try await client.send(.get, "/api/v1/tasks", headers: Self.bearer("hgr_guess_\(attempt)")).status == .unauthorized)
                let found = try await Self.incidents(client, "?type=AUTH_FAILURE", as: root)
                #expect(found.count == (attempt < 5 ? 0 : 1), "after \(attempt) failures: \(found.count) incidents")
            }
            let incident = try #require(try await Self.incidents(client, "?type=AUTH_FAILURE", as: root).first)
            #expect(incident["severity"] == "high" && incident["details"]?["failures"] == 5)
            #expect(try await client.send(.get, "/api/v1/tasks", headers: [:]).status == .unauthorized, "a missing credential is not a failed guess")
        }
    }

    @Test("incidents are filtered, paged and resolved (audited); health turns from warning to healthy")
    func resolveAndHealth() async throws {
        try await withAPI(auth: .required, workers: false) { client, store in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            let admin = Self.bearer(try await AuthorizationTests.key(store, tenant: "acme", role: .admin, name: "admin").token)
            let other = Self.bearer(try await AuthorizationTests.key(store, tenant: Tenant.defaultID, role: .admin, name: "root").token)
            for severity in [SecurityIncident.Severity.low, .high, .high, .medium] {
                try await store.incidentInsert(SecurityIncident(tenantID: "acme", kind: .maliciousContent, severity: severity, description: "\(severity)"))
            }
            #expect(try await client.send(.get, "/api/v1/security/health", headers: admin).json["status"] == "warning")
            let page = try await client.send(.get, "/api/v1/security/incidents?severity=high&resolved=false&limit=1", headers: admin).json
            #expect(page["total_count"] == 2 && page["limit"] == 1 && page["incidents"]?.arrayValue?.count == 1)
            #expect(try await client.send(.get, "/api/v1/security/incidents?severity=urgent", headers: admin).json["field"] == "severity")
            #expect(try await client.send(.get, "/api/v1/security/incidents?since=yesterday", headers: admin).status == .unprocessableContent)

            let high = try await Self.incidents(client, "?severity=high", as: admin).compactMap { $0["incident_id"]?.stringValue }
            #expect(try await client.send(.post, "/api/v1/security/incidents/\(high[0])/resolve", json: ["resolution_notes": "x"], headers: other).status == .notFound)
            let resolved = try await client.send(
                .post, "/api/v1/security/incidents/\(high[0])/resolve", json: ["resolution_notes": "false positive"], headers: admin)
            #expect(resolved.status == .ok && resolved.json["resolved"] == true && resolved.json["resolution_notes"] == "false positive")
            #expect(try await client.send(.get, "/api/v1/security/health", headers: admin).json["metrics"]?["unresolved_high_severity"] == 1)
            #expect(try await client.send(.post, "/api/v1/security/incidents/\(high[1])/resolve", headers: admin).status == .ok, "notes are optional")
            let health = try await client.send(.get, "/api/v1/security/health", headers: admin).json
            #expect(health["status"] == "healthy" && health["metrics"]?["total_incidents"] == 4)
            #expect(try await client.send(.post, "/api/v1/security/incidents/sec_nope/resolve", headers: admin).status == .notFound)

            let audit = try await client.send(.get, "/api/v1/audit", headers: admin).json.arrayValue ?? []
            #expect(audit.filter { $0["action"] == "incident.resolve" }.count == 2)
            let status = try await client.send(.get, "/api/v1/security/status", headers: admin).json
            #expect(status["total_incidents"] == 4 && status["unresolved_incidents"] == 2 && status["security_level"] == "moderate")
            #expect(status["recent_incidents"]?.arrayValue?.count == 4)
            // Seed 004's fields: limits by its names (null: none set) and the memory running tasks hold.
            #expect(status["resource_limits"]?["max_concurrent_agents"] == .null && status["resource_limits"]?["max_memory_mb"] == .null)
            #expect(status["resource_limits"]?["max_execution_time"]?.doubleValue != nil)
            #expect(status["current_usage"]?["total_memory_mb"] == 0 && status["current_usage"]?["active_agents"] == 0, "\(status)")
        }
    }

    @Test("POST /security/status (seed 004) changes the tenant's limits in the status's names; a tenant's own admin may not; settings are refused", arguments: TestBackend.allCases)
    func updateStatus(_ backend: TestBackend) async throws {
        try await withAPI(backend, auth: .required, workers: false) { client, store in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            let system = Self.bearer(try await AuthorizationTests.key(store, tenant: Tenant.defaultID, role: .admin, name: "root").token)
            let acmeAdmin = Self.bearer(try await AuthorizationTests.key(store, tenant: "acme", role: .admin, name: "acme").token)

            let updated = try await client.send(
                .post, "/api/v1/security/status", json: ["resource_limits": ["max_concurrent_agents": 8, "max_memory_mb": 131072]],
                headers: system)
            #expect(updated.status == .ok, "\(updated.text)")
            #expect(updated.json["resource_limits"]?["max_concurrent_agents"] == 8)
            #expect(updated.json["resource_limits"]?["max_memory_mb"] == 131072)
            #expect(updated.json["security_level"] == "moderate", "the answer is the status")
            let quota = try await store.quotaGet(tenantID: Tenant.defaultID)
            #expect(quota.maxConcurrentTasks == 8 && quota.maxMemoryMB == 131072)

            // Top-level keys, another tenant, null lifts a limit.
            let other = try await client.send(
                .post, "/api/v1/security/status", json: ["tenant_id": "acme", "max_agents": 3, "max_tasks_per_hour": 100], headers: system)
            #expect(other.status == .ok && other.json["tenant_id"] == "acme" && other.json["resource_limits"]?["max_agents"] == 3, "\(other.text)")
            #expect(try await store.quotaGet(tenantID: "acme").maxTasksPerHour == 100)
            _ = try await client.send(.post, "/api/v1/security/status", json: ["resource_limits": ["max_memory_mb": .null]], headers: system)
            #expect(try await store.quotaGet(tenantID: Tenant.defaultID).maxMemoryMB == nil)

            // A tenant's admin cannot raise its own limits.
            let own = try await client.send(.post, "/api/v1/security/status", json: ["max_agents": 1000], headers: acmeAdmin)
            #expect(own.status == .forbidden)
            #expect(try await store.quotaGet(tenantID: "acme").maxAgents == 3)

            for (body, field) in [
                (["security_level": "permissive"], "security_level"), (["resource_limits": ["max_execution_time": 10]], "resource_limits.max_execution_time"),
                (["resource_limits": ["max_concurrent_agents": 0]], "resource_limits.max_concurrent_agents"),
                (["resource_limits": ["max_cpus": 2]], "resource_limits.max_cpus"), (["max_agents": "many"], "max_agents"),
                (["tenant_id": "nobody", "max_agents": 1], "tenant"),
            ] as [(JSONValue, String)] {
                let refused = try await client.send(.post, "/api/v1/security/status", json: body, headers: system)
                #expect(refused.status == (field == "tenant" ? .notFound : .unprocessableContent), "\(body): \(refused.text)")
                if field != "tenant" { #expect(refused.json["field"] == .string(field), "\(body): \(refused.text)") }
            }
            #expect(try await store.quotaGet(tenantID: Tenant.defaultID).maxConcurrentTasks == 8, "refusals change nothing")
            let audit = try await client.send(.get, "/api/v1/audit", headers: system).json.arrayValue ?? []
            #expect(audit.filter { $0["action"] == "quota.update" }.count == 3)
        }
    }

    @Test("an attempt that times out is an EXECUTION_TIMEOUT incident; the agent report counts it")
    func timeoutIncident() async throws {
        try await withAPI { client, _ in
            _ = try await client.agent(["name": "slow", "config": ["latency_ms": 5000]])
            let id = try #require(try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "slow", "input": ["prompt": "x"], "timeout": 0.3]).json["id"]?.stringValue)
            #expect(try await client.finished(id)["status"] == "timed_out")
            var timeouts: [JSONValue] = []
            for _ in 0..<50 where timeouts.isEmpty {
                timeouts = try await Self.incidents(client, "?type=EXECUTION_TIMEOUT", as: [:])
                if timeouts.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(timeouts.first?["task_id"] == .string(id))
            let report = try await client.send(.get, "/api/v1/security/agents/slow/report", json: nil).json
            #expect(report["incident_summary"]?["by_type"]?["EXECUTION_TIMEOUT"] == 1)
            // Seed 004's shape: the incidents as a list, the events, the verdict, the start.
            #expect(report["incidents"]?.arrayValue?.first?["type"] == "EXECUTION_TIMEOUT", "\(report)")
            #expect(report["security_events"]?.arrayValue?.count == 1 && report["is_secure"] == false)
            #expect(report["start_time"]?.stringValue.flatMap(Timestamp.parse) != nil)
            #expect(report["resource_usage"]?["memory_peak_mb"] == .null && (report["resource_usage"]?["run_seconds"]?.doubleValue ?? 0) > 0.2)
            #expect(report["recent_tasks"]?["by_status"]?["timed_out"] == 1)
            #expect(report["definition"]?["compliant"] == true)
            #expect(try await client.send(.get, "/api/v1/security/agents/nobody/report").status == .notFound)
        }
    }

    @Test("security levels select limits: strict refuses what lenient accepts")
    func levels() async throws {
        let tools: JSONValue = ["tools": ["a", "b", "c", "d", "e"]]
        try await withAPI(workers: false, security: .strict) { client, _ in
            let refused = try await client.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "five", "config": tools])
            #expect(refused.status == .unprocessableContent && refused.text.contains("strict"))
            _ = try await client.agent(["name": "ok"])
            let long = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "ok", "input": ["prompt": "x"], "timeout": 3600])
            #expect(long.status == .unprocessableContent && long.json["field"] == "timeout")
            let limits = try await client.send(.get, "/api/v1/security/limits").json
            #expect(limits["security_level"] == "strict" && limits["schema_limits"]?["max_tools_per_agent"] == 4)
        }
        try await withAPI(workers: false, security: .lenient) { client, _ in
            #expect(try await client.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "five", "config": tools]).status == .created)
            #expect(try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "five", "input": ["prompt": "x"], "timeout": 3600]).status == .created)
            // Lenient allows any public host, never an internal one; a token is taken per check.
            let publicHost = try await client.send(.post, "/api/v1/security/validate-tool-execution", json: ["tool_name": "http_request", "url": "https://93.184.215.14/"])
            #expect(publicHost.json["allowed"] == true && publicHost.json["resolved_addresses"] == ["93.184.215.14"])
            #expect(publicHost.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "999")
            let mapped = try await client.send(.post, "/api/v1/security/validate-tool-execution", json: ["tool_name": "http_request", "url": "http://[::ffff:10.0.0.1]/"])
            #expect(mapped.json["violations"]?.arrayValue?.first?["type"] == "ssrf_blocked")
        }
    }

    @Test("tool executions are rate limited per tool, with Retry-After")
    func toolRateLimit() async throws {
        var policy = SecurityPolicy.moderate
        policy.toolExecutionsPerHour = 3
        try await withAPI(workers: false, security: policy) { client, _ in
            for remaining in ["2", "1", "0"] {
                let allowed = try await client.send(.post, "/api/v1/security/validate-tool-execution", json: ["tool_name": "current_time"])
                #expect(allowed.json["allowed"] == true && allowed.headers[HTTPField.Name("X-RateLimit-Remaining")!] == remaining)
            }
            let refused = try await client.send(.post, "/api/v1/security/validate-tool-execution", json: ["tool_name": "current_time"])
            #expect(refused.status == .tooManyRequests && Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(try await client.send(.post, "/api/v1/security/validate-tool-execution", json: ["tool_name": "other_tool"]).status == .ok, "each tool has its bucket")
            #expect(try await client.send(.post, "/api/v1/security/validate-tool-execution", json: [:]).json["field"] == "tool_name")
        }
    }
}
