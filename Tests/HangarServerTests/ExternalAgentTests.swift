import AsyncHTTPClient
import Foundation
import HangarAuth
import HangarAgents
import HangarCore
import HangarExternal
import HangarRuntime
import HangarServer
import HangarTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// The `external` kind end to end: an Agent Protocol server (Python, started here) registered
/// by URL, and jobs run as real processes, through the API and a worker pool.
@Suite("External agents", .serialized)
struct ExternalAgentTests {
    /// Loopback allowed (the test server is there); jobs may run /bin/sh only.
    static func registry(allowPrivate: Bool = true) -> ExecutorRegistry {
        var registry = ExecutorRegistry.standard
        let policy = NetworkPolicy(allowedDomains: [], allowPrivateNetworks: allowPrivate)
        registry.register(
            ExternalExecutor.kind,
            ExternalExecutor(runtime: LocalRuntime(gracePeriod: .milliseconds(500)), client: AgentProtocolClient(policy: policy), commands: ["/bin/sh"]))
        return registry
    }

    static let privateAllowed: SecurityPolicy = {
        var policy = SecurityPolicy.moderate
        policy.network.allowPrivateNetworks = true
        return policy
    }()

    static func job(_ name: String, _ script: String, extra: [String: JSONValue] = [:]) -> JSONValue {
        var config: [String: JSONValue] = ["mode": "job", "runtime": "local", "command": ["/bin/sh", "-c", .string(script)]]
        config.merge(extra) { _, new in new }
        return ["name": .string(name), "kind": "external", "config": .object(config)]
    }

    static func submit(_ client: any TestClientProtocol, agent: String, input: JSONValue = ["run": 1], timeout: Double? = nil) async throws -> String {
        var body: [String: JSONValue] = ["agent_id": .string(agent), "input": input]
        if let timeout { body["timeout"] = .double(timeout) }
        let response = try await client.send(.post, "/api/v1/tasks", json: .object(body))
        #expect(response.status == .created || response.status == .accepted, "\(response.text)")
        return try #require(response.json["id"]?.stringValue ?? response.json["task_id"]?.stringValue)
    }

    /// Every event of the task, page by page.
    static func events(_ client: any TestClientProtocol, _ id: String) async throws -> [JSONValue] {
        var all: [JSONValue] = []
        var after: Int64 = 0
        while true {
            let page = try await client.send(.get, "/api/v1/tasks/\(id)/events?limit=1000&after=\(after)").json
            let events = page["events"]?.arrayValue ?? []
            all += events
            guard !events.isEmpty, let last = page["last_seq"]?.intValue else { return all }
            after = Int64(last)
        }
    }

    // MARK: Jobs

    @Test("a job that prints a JSON line succeeds with it as output; it sees the contract's variables and its secret, not the worker's", arguments: TestBackend.allCases)
    func jobSucceeds(_ backend: TestBackend) async throws {
        try await withAPI(backend, registry: Self.registry()) { client, _ in
            var agent = Self.job(
                "trainer",
                #"echo starting; echo "progress to stderr" >&2; printf '{"task": "%s", "input": %s, "token": "%s", "mode": "%s", "worker_key": "%s"}\n' "$HANGAR_TASK_ID" "$HANGAR_TASK_INPUT" "$API_TOKEN" "$MODE" "${HANGAR_SECRET_KEY:-unset}"; echo finished"#,
                extra: ["env": ["MODE": "fast"], "secrets": ["API_TOKEN"]])
            agent = .object(agent.objectValue!.merging(["secrets": [["key": "API_TOKEN", "value": "s3cret"]]]) { $1 })
            _ = try await client.agent(agent)
            let id = try await Self.submit(client, agent: "trainer", input: ["epochs": 3])
            let task = try await client.finished(id)
            #expect(task["status"] == "completed", "\(task)")
            #expect(task["output"] == ["task": .string(id), "input": ["epochs": 3], "token": "s3cret", "mode": "fast", "worker_key": "unset"])
            let logs = try await Self.events(client, id).filter { $0["type"] == "log" }.compactMap { $0["data"] }
            #expect(logs.contains { $0["message"] == "starting" && $0["stream"] == "stdout" })
            #expect(logs.contains { $0["message"] == "progress to stderr" && $0["stream"] == "stderr" })
            #expect(logs.contains { $0["message"] == "finished" })
        }
    }

    @Test("a job that exits 0 without JSON succeeds with no output; one that exits 1 fails with the code and stderr's tail")
    func exitCodes() async throws {
        try await withAPI(registry: Self.registry()) { client, _ in
            _ = try await client.agent(Self.job("quiet", "echo not json"))
            _ = try await client.agent(Self.job("broken", "echo 'loading'; echo 'Traceback: out of memory' >&2; exit 1"))
            let quiet = try await client.finished(try await Self.submit(client, agent: "quiet"))
            #expect(quiet["status"] == "completed")
            #expect(quiet["output"] == .null)
            let broken = try await client.finished(try await Self.submit(client, agent: "broken"))
            #expect(broken["status"] == "failed")
            #expect(broken["error_code"] == "job_failed")
            let message = try #require(broken["error"]?.stringValue)
            #expect(message.contains("exited with code 1") && message.contains("Traceback: out of memory"), "\(message)")
        }
    }

    @Test("the event log is bounded: long lines are cut, lines past the limit are counted, not stored")
    func boundedLogs() async throws {
        try await withAPI(registry: Self.registry()) { client, _ in
            _ = try await client.agent(Self.job("chatty", #"head -c 10000 /dev/zero | tr '\0' x; echo; i=0; while [ $i -lt 1100 ]; do echo line $i; i=$((i+1)); done"#))
            let id = try await Self.submit(client, agent: "chatty")
            #expect(try await client.finished(id)["status"] == "completed")
            let logs = try await Self.events(client, id).filter { $0["type"] == "log" }.compactMap { $0["data"] }
            let long = try #require(logs.first)
            #expect(long["truncated"] == true)
            #expect(long["message"]?.stringValue?.utf8.count == 4096)
            #expect(logs.count == 1001)
            #expect(logs.last?["message"]?.stringValue?.contains("101 more stdout lines not logged") == true, "\(String(describing: logs.last))")
        }
    }

    @Test("a job past its timeout is killed with everything it started", arguments: TestBackend.allCases)
    func timeoutKillsGroup(_ backend: TestBackend) async throws {
        let pids = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-job-\(Identifier.leaseToken()).pids").path
        try await withAPI(backend, registry: Self.registry()) { client, _ in
            // A child that ignores SIGTERM, so only the group's SIGKILL ends it.
            _ = try await client.agent(Self.job("hang", "sh -c 'trap \"\" TERM; sleep 300' & echo $$ $! > \(pids); wait"))
            let id = try await Self.submit(client, agent: "hang", timeout: 1.5)
            let task = try await client.finished(id, timeout: .seconds(15))
            #expect(task["status"] == "timed_out", "\(task)")
            try await Self.expectGone(pids)
        }
    }

    @Test("a cancelled job is killed with everything it started")
    func cancelKillsGroup() async throws {
        let pids = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-job-\(Identifier.leaseToken()).pids").path
        try await withAPI(registry: Self.registry()) { client, _ in
            _ = try await client.agent(Self.job("long", "sleep 300 & echo $$ $! > \(pids); wait"))
            let id = try await Self.submit(client, agent: "long")
            let deadline = ContinuousClock.now + .seconds(10)
            while !FileManager.default.fileExists(atPath: pids), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            let cancel = try await client.send(.delete, "/api/v1/tasks/\(id)")
            #expect(cancel.status == .ok || cancel.status == .accepted, "\(cancel.text)")
            let task = try await client.finished(id, timeout: .seconds(15))
            #expect(task["status"] == "cancelled")
            try await Self.expectGone(pids)
        }
    }

    /// Every pid in the file ends (a zombie awaiting a reaper counts as ended) within 10 s.
    static func expectGone(_ file: String) async throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let pids = text.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
        #expect(pids.count == 2)
        let deadline = ContinuousClock.now + .seconds(10)
        var alive = pids
        while !alive.isEmpty, ContinuousClock.now < deadline {
            alive = alive.filter(isRunning)
            if !alive.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(alive.isEmpty, "still running: \(alive)")
    }

    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        // The state follows the command's closing parenthesis: Z is a zombie, X dead.
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }

    // MARK: Configuration

    @Test("bad configs are refused naming the field; seed 002's fields are kept and shown back", arguments: TestBackend.allCases)
    func configs(_ backend: TestBackend) async throws {
        try await withAPI(backend, registry: Self.registry(allowPrivate: false)) { client, _ in
            let refused: [(JSONValue, String, String)] = [
                (["mode": "job", "runtime": "kubernetes", "command": ["/bin/sh"]], "config.runtime", "not built yet"),
                (["mode": "job", "image": "python:3.12"], "config.image", "container runtime"),
                (["mode": "job"], "config", "one of url"),
                (["url": "http://example.com", "command": ["/bin/sh"]], "config.command", "not url and command"),
                (["mode": "job", "url": "http://example.com"], "config.mode", "running service"),
                (["mode": "service", "command": ["/bin/sh"]], "config.mode", "not built yet"),
                (["command": []], "config.command", "non-empty array"),
                (["command": ["/usr/bin/python3"]], "config.command[0]", "HANGAR_EXTERNAL_COMMANDS"),
                (["command": ["/bin/sh"], "env": ["HANGAR_TASK_ID": "x"]], "config.env.HANGAR_TASK_ID", "set by Hangar"),
                (["command": ["/bin/sh"], "secrets": ["1BAD"]], "config.secrets[0]", "environment variable name"),
                (["command": ["/bin/sh"], "env": ["LD_PRELOAD": "/tmp/x.so"]], "config.env.LD_PRELOAD", "cannot be set"),
                (["command": ["/bin/sh"], "replicas": 0], "config.replicas", "1 to 100"),
                (["command": ["/bin/sh"], "comand": ["x"]], "config.comand", "not an external agent setting"),
                (["url": "ftp://example.com"], "config.url", "http(s) URL"),
                (["url": "http://127.0.0.1:9"], "config.url", "network policy"),
            ]
            for (index, (config, field, words)) in refused.enumerated() {
                let response = try await client.send(.post, "/api/v1/agents", json: ["name": .string("bad-\(index)"), "kind": "external", "config": config])
                #expect(response.status == .unprocessableContent, "\(config): \(response.text)")
                #expect(response.json["field"]?.stringValue == field, "\(config): \(response.text)")
                #expect(response.json["detail"]?.stringValue?.contains(words) == true, "\(config): \(response.text)")
            }
            // Seed 002's body as the seed writes it: the image is named by its own field.
            let seed = try await client.send(
                .post, "/api/v1/agents",
                json: [
                    "name": "campaign-optimizer-v2", "type": "real_deployment", "docker_image": "gcr.io/gaelp/optimizer:v2.0",
                    "resource_requirements": ["cpu": "4", "memory": "8Gi", "gpu": "1"], "budget_limit": 5000.0,
                ])
            #expect(seed.status == .unprocessableContent)
            #expect(seed.json["field"] == "docker_image", "\(seed.text)")
            // With a command instead, the seed's other fields are kept and shown back.
            let kept = try await client.send(
                .post, "/api/v1/agents",
                json: [
                    "name": "optimizer", "kind": "external", "type": "research", "resource_requirements": ["cpu": "4", "memory": "8Gi"],
                    "config": ["command": ["/bin/sh", "-c", "true"]],
                ])
            #expect(kept.status == .created, "\(kept.text)")
            let shown = try await client.send(.get, "/api/v1/agents/optimizer").json
            #expect(shown["type"] == "research")
            #expect(shown["resource_requirements"] == ["cpu": "4", "memory": "8Gi"])
            #expect(shown["config"]?["resource_requirements"] == ["cpu": "4", "memory": "8Gi"])
            #expect(shown["runtime_status"] == ["mode": "job", "runtime": "local"])
            let updated = try await client.send(.put, "/api/v1/agents/optimizer", json: ["type": "evaluation"])
            #expect(updated.json["type"] == "evaluation", "\(updated.text)")
            #expect(updated.json["config"]?["command"] == ["/bin/sh", "-c", "true"])
            let wrongKind = try await client.send(.post, "/api/v1/agents", json: ["name": "llm-typed", "model": "mock/echo", "resource_requirements": ["cpu": "1"]])
            #expect(wrongKind.json["field"] == "resource_requirements", "\(wrongKind.text)")
        }
    }
}
