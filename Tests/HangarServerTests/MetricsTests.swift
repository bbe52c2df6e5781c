import Foundation
import HangarAuth
import HangarCore
import HangarRuntime
@testable import HangarServer
import HangarStore
import HangarTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// The Prometheus text as the official Python client's parser reads it
/// (`prometheus_client.parser`, installed by `scripts/test`). A missing module fails the test.
struct ParsedMetrics {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// Family name → type (the parser drops a counter's `_total` from its family name).
    var types: [String: String] = [:]
    var samples: [Sample] = []

    static let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = []
        for family in text_string_to_metric_families(sys.stdin.read()):
            out.append({"name": family.name, "type": family.type, "documentation": family.documentation,
                        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples]})
        print(json.dumps(out))
        """

    static func parse(_ text: String) throws -> ParsedMetrics {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw WaitTimeout(description: "prometheus_client parser failed (scripts/test installs prometheus-client): \(errorText)")
        }
        guard case .array(let families) = try JSONText.decode(String(decoding: data, as: UTF8.self)) else {
            throw WaitTimeout(description: "parser printed no list")
        }
        var parsed = ParsedMetrics()
        for family in families {
            guard let name = family["name"]?.stringValue else { continue }
            parsed.types[name] = family["type"]?.stringValue
            for sample in family["samples"]?.arrayValue ?? [] {
                var labels: [String: String] = [:]
                for (key, value) in sample["labels"]?.objectValue ?? [:] { labels[key] = value.stringValue }
                parsed.samples.append(Sample(name: sample["name"]?.stringValue ?? "", labels: labels, value: sample["value"]?.doubleValue ?? .nan))
            }
        }
        return parsed
    }

    /// The sum of the samples named `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.filter { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }.reduce(0) { $0 + $1.value }
    }

    func has(_ name: String, _ labels: [String: String] = [:]) -> Bool {
        samples.contains { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }
    }
}

@Suite("Prometheus metrics")
struct MetricsTests {
    @Test("/metrics after tasks that complete, retry and fail: a real parser reads every family, type and label")
    func scrapeAfterWork() async throws {
        let metrics = HangarMetrics()
        try await withAPI(metrics: metrics) { client, _ in
            let agent = try await client.agent(["name": "echo", "model": "mock/echo"])
            let agentID = try #require(agent["id"]?.stringValue)
            var ids: [String] = []
            for prompt in ["one", "two", "three"] {
                let response = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": .string(prompt)]])
                ids.append(try #require(response.json["task_id"]?.stringValue))
            }
            let retried = try await client.send(
                .post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "again", "fail_times": 1], "max_attempts": 2])
            ids.append(try #require(retried.json["task_id"]?.stringValue))
            let failing = try await client.send(
                .post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "no", "fail_times": 5], "max_attempts": 1])
            let failingID = try #require(failing.json["task_id"]?.stringValue)
            for id in ids { #expect(try await client.finished(id)["status"] == "completed") }
            #expect(try await client.finished(failingID)["status"] == "failed")
            #expect(try await client.send(.get, "/api/v1/tasks/\(ids[0])").status == .ok)
            #expect(try await client.send(.get, "/api/v1/tasks/no-such-task").status == .notFound)
            let unmatched = try await client.send(.get, "/no/such/path")
            metrics.webhookDelivery(outcome: "success")
            metrics.websocketConnections(endpoint: "/ws/tasks/{task_id}", change: 1)

            let response = try await client.send(.get, "/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            #expect(text.contains("# HELP agent_tasks_total "))
            let parsed = try ParsedMetrics.parse(text)

            let expectedTypes = [
                "agent_tasks": "counter", "api_requests": "counter", "api_request_duration_seconds": "histogram",
                "task_duration_seconds": "histogram", "tasks_running": "gauge", "worker_slots": "gauge",
                "task_lease_expiries": "counter", "task_retries": "counter", "provider_request_duration_seconds": "histogram",
                "provider_tokens": "counter", "webhook_deliveries": "counter", "websocket_connections": "gauge",
            ]
            for (family, type) in expectedTypes { #expect(parsed.types[family] == type, "\(family): \(parsed.types[family] ?? "missing")") }

            #expect(parsed.value("agent_tasks_total", ["agent_id": agentID, "status": "completed"]) == 4)
            #expect(parsed.value("agent_tasks_total", ["agent_id": agentID, "status": "failed"]) == 1)
            #expect(parsed.value("task_retries_total") == 1)
            #expect(parsed.value("task_lease_expiries_total") == 0)
            #expect(parsed.value("task_duration_seconds_count", ["agent_kind": "llm"]) == 5)
            #expect(parsed.value("api_requests_total", ["endpoint": "/api/v1/tasks/{task_id}", "method": "GET", "status_code": "200"]) >= 1)
            #expect(parsed.value("api_requests_total", ["endpoint": "/api/v1/tasks/{task_id}", "method": "GET", "status_code": "404"]) == 1)
            #expect(parsed.value("api_requests_total", ["endpoint": "/api/v1/tasks", "method": "POST", "status_code": "201"]) == 5)
            #expect(unmatched.status == .notFound)
            // Paths matching no route share one label value (Hummingbird's `NotFound`).
            #expect(parsed.value("api_requests_total", ["endpoint": "NotFound", "status_code": "404"]) == 1)
            #expect(parsed.value("api_request_duration_seconds_count", ["endpoint": "/api/v1/tasks", "method": "POST"]) == 5)
            // Bounded cardinality: no raw path (with an id) is ever a label value.
            for sample in parsed.samples where sample.name.hasPrefix("api_request") {
                let endpoint = sample.labels["endpoint"] ?? ""
                #expect(!ids.contains { endpoint.contains($0) } && !endpoint.contains("no-such-task"), "raw path in \(endpoint)")
            }
            #expect(parsed.value("provider_tokens_total", ["provider": "mock", "kind": "prompt"]) > 0)
            #expect(parsed.value("provider_tokens_total", ["provider": "mock", "kind": "completion"]) > 0)
            // 4 successful calls + 2 failed ones are not measured (the provider threw): 4 timed calls.
            #expect(parsed.value("provider_request_duration_seconds_count", ["provider": "mock"]) == 4)
            #expect(parsed.value("worker_slots", ["state": "busy"]) + parsed.value("worker_slots", ["state": "free"]) == 8)
            #expect(parsed.value("tasks_running") == 0)
            #expect(parsed.value("webhook_deliveries_total", ["outcome": "success"]) == 1)
            #expect(parsed.value("websocket_connections", ["endpoint": "/ws/tasks/{task_id}"]) == 1)
        }
    }

    @Test("queue depth by priority is read from the store at scrape; /api/v1/metrics serves the same text")
    func queueDepth() async throws {
        let metrics = HangarMetrics()
        try await withAPI(workers: false, metrics: metrics) { client, _ in
            _ = try await client.agent(["name": "echo"])
            for priority in [5, 5, 9] {
                _ = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "x"], "priority": .int(Int64(priority))])
            }
            let parsed = try ParsedMetrics.parse(try await client.send(.get, "/api/v1/metrics").text)
            #expect(parsed.types["queue_depth"] == "gauge")
            #expect(parsed.value("queue_depth", ["priority": "5"]) == 2)
            #expect(parsed.value("queue_depth", ["priority": "9"]) == 1)
            #expect(parsed.value("tasks_running") == 0)
        }
    }

    @Test("seed 000's series beside Hangar's: queue size and length, active agents, task duration by task_type, API requests, TTS, capture, GPU")
    func seed000Series() async throws {
        let metrics = HangarMetrics()
        try await withAPI(workers: false, metrics: metrics) { client, store in
            _ = try await client.agent(["name": "echo"])
            for _ in 0..<3 { _ = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "x"]]) }
            metrics.taskFinished(agentID: "a", agentKind: "browser", status: .completed, duration: .seconds(2))
            metrics.ttsAccepted(kind: "request")
            metrics.ttsAccepted(kind: "request")
            metrics.ttsAccepted(kind: "session")
            metrics.captureEpisodeStarted()
            // The router's scrape, with a stand-in for nvidia-smi's answer.
            let controller = MetricsController(store: store, metrics: metrics, gpus: { [("0", 37.5), ("1", 0)] })
            let router = Router(context: HangarRequestContext.self)
            controller.addRoutes(to: router)
            let parsed = try await Application(router: router).test(.router) { scraper in
                try ParsedMetrics.parse(try await scraper.send(.get, "/metrics").text)
            }
            let types = [
                "neko_active_agents_total": "gauge", "neko_task_duration_seconds": "histogram", "neko_task_queue_size": "gauge",
                "task_queue_length": "gauge", "neko_gpu_utilization_percent": "gauge", "neko_api_requests": "counter",
                "neko_tts_requests": "counter", "neko_capture_episodes": "counter",
            ]
            for (family, type) in types { #expect(parsed.types[family] == type, "\(family): \(parsed.types[family] ?? "missing")") }
            #expect(parsed.value("neko_task_queue_size") == 3)
            #expect(parsed.value("task_queue_length") == 3)
            #expect(parsed.value("neko_active_agents_total") == 0)
            #expect(parsed.value("neko_task_duration_seconds_count", ["task_type": "browser"]) == 1)
            #expect(parsed.value("neko_task_duration_seconds_sum", ["task_type": "browser"]) == 2)
            #expect(parsed.value("neko_api_requests_total", ["endpoint": "/api/v1/tasks", "method": "POST", "status_code": "201"]) == 3)
            #expect(parsed.value("neko_tts_requests_total", ["kind": "request"]) == 2)
            #expect(parsed.value("neko_tts_requests_total", ["kind": "session"]) == 1)
            #expect(parsed.value("neko_capture_episodes_total") == 1)
            #expect(parsed.value("neko_gpu_utilization_percent", ["gpu": "0"]) == 37.5)
            #expect(parsed.has("neko_gpu_utilization_percent", ["gpu": "1"]))
        }
    }

    @Test("/metrics needs a default-tenant viewer unless HANGAR_METRICS_PUBLIC; /api/v1/metrics always needs one")
    func access() async throws {
        try await withAPI(auth: .required, workers: false, metrics: HangarMetrics()) { client, store in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            let viewer = try await AuthorizationTests.key(store, tenant: Tenant.defaultID, role: .viewer, name: "scraper")
            let acme = try await AuthorizationTests.key(store, tenant: "acme", role: .admin, name: "acme")
            #expect(try await client.send(.get, "/metrics").status == .unauthorized)
            #expect(try await client.send(.get, "/metrics", headers: [.authorization: "Bearer \(viewer.token)"]).status == .ok)
            #expect(try await client.send(.get, "/api/v1/metrics", headers: [.authorization: "Bearer \(viewer.token)"]).status == .ok)
            #expect(try await client.send(.get, "/metrics", headers: [.authorization: "Bearer \(acme.token)"]).status == .forbidden)
            #expect(try await client.send(.get, "/api/v1/system/metrics/load", headers: [.authorization: "Bearer \(acme.token)"]).status == .ok)
        }
        let open: @Sendable (inout ServerConfiguration) -> Void = { $0.metricsPublic = true }
        try await withAPI(auth: .required, workers: false, metrics: HangarMetrics(), configure: open) { client, _ in
            let scrape = try await client.send(.get, "/metrics")
            #expect(scrape.status == .ok)
            let api = try await client.send(.get, "/api/v1/metrics")
            #expect(api.status == .unauthorized)
        }
    }
}

/// Collects log lines in memory.
final class LineSink: Sendable {
    let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func write(_ line: String) { lines.withLock { $0.append(line) } }
}

@Suite("Request logs")
struct RequestLogTests {
    @Test("HANGAR_LOG_REQUESTS: one JSON line per request with request_id, method, route, status and duration")
    func requestLine() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let sink = LineSink()
            var configuration = ServerConfiguration()
            configuration.logRequests = true
            let router = buildRouter(
                store: store, registry: .standard, configuration: configuration,
                authenticator: try await Authenticator(store: store, mode: .none, cacheTTL: 0), vault: .testing, metrics: HangarMetrics())
            let logger = Logger(label: "hangar") { label in JSONLogHandler(label: label, write: { sink.write($0) }) }
            let app = Application(router: router, logger: logger)
            try await app.test(.router) { client in
                let response = try await client.execute(uri: "/api/v1/tasks/abc", method: .get, headers: [HTTPField.Name("X-Request-ID")!: "req-42"])
                #expect(response.status == .notFound)
                #expect(response.headers[HTTPField.Name("X-Request-ID")!] == "req-42")
            }
            let lines = sink.all.compactMap { line -> JSONValue? in try? JSONText.decode(line) }.filter { $0["message"] == "request" }
            #expect(lines.count == 1)
            let metadata = try #require(lines.first?["metadata"])
            #expect(metadata["request_id"] == "req-42")
            #expect(metadata["route"] == "/api/v1/tasks/{task_id}")
            #expect(metadata["path"] == "/api/v1/tasks/abc")
            #expect(metadata["method"] == "GET")
            #expect(metadata["status"] == "404")
            let duration = metadata["duration_ms"]?.stringValue ?? ""
            #expect(Double(duration) != nil)
            #expect(lines.first?["level"] == "info")
        }
    }
}
