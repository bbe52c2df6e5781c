import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("API: tasks")
struct TaskAPITests {
    @Test("submit → 201 queued, then the result is readable in seed 004's status shape", arguments: TestBackend.allCases)
    func submitAndRead(_ backend: TestBackend) async throws {
        try await withAPI(backend) { client, _ in
            _ = try await client.agent(["name": "echo", "model": "mock/echo"])
            let submitted = try await client.send(
                .post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["type": "generate", "prompt": "hi"], "priority": 5])
            #expect(submitted.status == .created)
            #expect(submitted.json["status"] == "queued")
            let id = try #require(submitted.json["task_id"]?.stringValue)
            #expect(submitted.headers[.location] == "/api/v1/tasks/\(id)")
            #expect(submitted.json["created_at"]?.stringValue != nil)

            let done = try await client.finished(id)
            #expect(done["status"] == "completed")
            #expect(done["output"]?["response"] == "hi")
            #expect(done["attempts"] == 1)
            #expect(done["progress"] == 100.0)
            for field in ["id", "agent_id", "status", "input", "output", "error", "progress", "attempts", "created_at", "started_at", "completed_at", "usage"] {
                #expect(done[field] != nil, "missing \(field)")
            }
            let status = try await client.send(.get, "/api/v1/tasks/\(id)/status")
            #expect(status.json["id"] == .string(id))
        }
    }

    @Test("max_steps has one bound per agent kind, top level or in input: outside it is a 422, not a silent clamp")
    func maxStepsBound() async throws {
        try await withAPI { client, _ in
            _ = try await client.agent(["name": "echo"])
            for body: JSONValue in [
                ["agent_id": "echo", "input": ["prompt": "x"], "max_steps": 500],
                ["agent_id": "echo", "input": ["prompt": "x", "max_steps": 500]],
            ] {
                let refused = try await client.send(.post, "/api/v1/tasks", json: body)
                #expect(refused.status == .unprocessableContent, "\(body)")
                #expect(refused.json["detail"]?.stringValue?.contains("from 1 to 100") == true, "\(refused.json)")
            }
            let accepted = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "x"], "max_steps": 100])
            #expect(accepted.status == .created)
        }
    }

    @Test("without an OTLP endpoint nothing of a caller's trace is kept: a traceparent header stores no trace parent")
    func noTracingStoresNoTrace() async throws {
        try await withAPI { client, store in
            _ = try await client.agent(["name": "echo"])
            let reply = try await client.send(
                .post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "x"]],
                headers: [HTTPField.Name("traceparent")!: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"])
            #expect(reply.status == .created)
            let id = try #require(reply.json["id"]?.stringValue)
            let task = try #require(try await store.taskGet(tenantID: nil, id: id))
            #expect(task.traceParent == nil)
        }
    }

    @Test("seed 000's shape (task, mode, options, timeout, callback_url) and seed 004's /tasks/run")
    func seedShapes() async throws {
        try await withAPI { client, _ in
            _ = try await client.agent(["name": "echo"])
            let seed000 = try await client.send(
                .post, "/api/v1/tasks",
                json: [
                    "agent_id": "echo", "task": "Search for Python tutorials", "mode": "web", "max_steps": 10, "timeout": 300,
                    "callback_url": "https://app.example.com/webhook", "options": ["save_screenshots": true],
                ])
            #expect(seed000.status == .created)
            #expect(seed000.json["mode"] == "web")
            #expect(seed000.json["max_steps"] == 10)
            #expect(seed000.json["options"]?["save_screenshots"] == true)
            let done = try await client.finished(try #require(seed000.json["id"]?.stringValue))
            #expect(done["output"]?["response"] == "Search for Python tutorials")

            let seed004 = try await client.send(
                .post, "/api/v1/tasks/run",
                json: ["agent_id": "echo", "input": ["type": "summarize", "text": "A long text about agents and queues.", "length": "short"]])
            #expect(seed004.status == .created)
            let summary = try await client.finished(try #require(seed004.json["id"]?.stringValue))
            #expect(summary["output"]?["type"] == "summarize")
            #expect(summary["output"]?["summary"]?.stringValue != nil)
            #expect(summary["output"]?["compression_ratio"]?.doubleValue != nil)
        }
    }

    @Test("bad task input is refused with the field named, and nothing is queued")
    func validation() async throws {
        try await withAPI(workers: false) { client, store in
            _ = try await client.agent(["name": "echo"])
            let cases: [(JSONValue, String)] = [
                (["input": ["prompt": "x"]], "agent_id"),
                (["agent_id": "echo"], "input"),
                (["agent_id": "echo", "input": "text"], "input"),
                (["agent_id": "echo", "input": ["prompt": "x"], "priority": 11], "priority"),
                (["agent_id": "echo", "input": ["prompt": "x"], "priority": "urgentest"], "priority"),
                (["agent_id": "echo", "input": ["prompt": "x"], "timeout": -1], "timeout"),
                (["agent_id": "echo", "input": ["prompt": "x"], "max_attempts": 0], "max_attempts"),
                (["agent_id": "echo", "input": ["prompt": "x"], "callback_url": "ftp://x"], "callback_url"),
                // The network policy at submission, not only at delivery (issue 14).
                (["agent_id": "echo", "input": ["prompt": "x"], "callback_url": "http://169.254.169.254/latest/meta-data/"], "callback_url"),
                (["agent_id": "echo", "input": ["prompt": "x"], "callback_url": "http://127.0.0.1:8000/cb"], "callback_url"),
                (["agent_id": "echo", "input": ["prompt": "x"], "callback_url": "http://[::ffff:10.0.0.1]/cb"], "callback_url"),
                (["agent_id": "echo", "input": ["type": "summarize", "text": "t", "length": "tiny"]], "input.length"),
                (["agent_id": "echo", "input": ["type": "dance"]], "input.type"),
                (["agent_id": "echo", "input": ["type": "chat", "messages": [["role": "user"]]]], "input.messages[0]"),
            ]
            for (body, field) in cases {
                let response = try await client.send(.post, "/api/v1/tasks", json: body)
                #expect(response.status == .unprocessableContent, "\(body): \(response.text)")
                #expect(response.json["field"] == .string(field), "\(response.text)")
            }
            let unknown = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "ghost", "input": ["prompt": "x"]])
            #expect(unknown.status == .notFound)
            #expect(try await store.taskList(TaskListParams(tenantID: nil)).isEmpty)
        }
    }

    @Test("an Idempotency-Key returns the first task instead of queueing another")
    func idempotency() async throws {
        try await withAPI(workers: false) { client, store in
            _ = try await client.agent(["name": "echo"])
            let body: JSONValue = ["agent_id": "echo", "input": ["prompt": "once"]]
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "abc-123"]
            let first = try await client.send(.post, "/api/v1/tasks", json: body, headers: key)
            let second = try await client.send(.post, "/api/v1/tasks", json: body, headers: key)
            #expect(first.json["id"] == second.json["id"])
            #expect(second.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try await store.taskList(TaskListParams(tenantID: nil)).count == 1)
            // A retry after the agent is gone still gets the task it created.
            _ = try await client.send(.delete, "/api/v1/agents/echo")
            let later = try await client.send(.post, "/api/v1/tasks", json: body, headers: key)
            #expect(later.status == .created)
            #expect(later.json["id"] == first.json["id"])
        }
    }

    @Test("list filters; PUT changes queued tasks only; DELETE cancels")
    func listUpdateCancel() async throws {
        try await withAPI(workers: false) { client, store in
            let agent = try await client.agent(["name": "echo"])
            var ids: [String] = []
            for _ in 0..<3 {
                ids.append(try #require(try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "x"]]).json["id"]?.stringValue))
            }
            let raised = try await client.send(.put, "/api/v1/tasks/\(ids[0])", json: ["priority": "critical", "timeout": 30])
            #expect(raised.json["priority"] == 10)
            #expect(raised.json["timeout"] == 30.0)
            let cancelled = try await client.send(.delete, "/api/v1/tasks/\(ids[1])")
            #expect(cancelled.json["status"] == "cancelled")

            let queued = try await client.send(.get, "/api/v1/tasks?status=queued&agent_id=\(agent["id"]!.stringValue!)")
            #expect(Set(queued.json.arrayValue!.compactMap { $0["id"]?.stringValue }) == [ids[0], ids[2]])
            #expect(try await client.send(.get, "/api/v1/tasks?status=cancelled,queued").json.arrayValue?.count == 3)
            #expect(try await client.send(.get, "/api/v1/tasks?status=bogus").status == .unprocessableContent)
            #expect(try await client.send(.get, "/api/v1/tasks?limit=0").status == .unprocessableContent)

            _ = try await store.claim(1)  // the critical one starts running
            let tooLate = try await client.send(.put, "/api/v1/tasks/\(ids[0])", json: ["priority": 1])
            #expect(tooLate.status == .conflict)
            #expect(try await client.send(.get, "/api/v1/tasks/nope").status == .notFound)
        }
    }

    @Test("events: JSON pages, long-poll, and SSE that resumes from Last-Event-ID", arguments: TestBackend.allCases)
    func events(_ backend: TestBackend) async throws {
        try await withAPI(backend) { client, _ in
            _ = try await client.agent(["name": "writer", "config": ["stream": true, "latency_ms": 300]])
            let submitted = try await client.send(
                .post, "/api/v1/tasks", json: ["agent_id": "writer", "input": ["prompt": "one two three four five"]])
            let id = try #require(submitted.json["id"]?.stringValue)

            let stream = try await client.execute(uri: "/api/v1/tasks/\(id)/events", method: .get, headers: [.accept: "text/event-stream"])
            #expect(stream.headers[.contentType] == "text/event-stream")
            let frames = stream.text.components(separatedBy: "\n\n").filter { $0.hasPrefix("id: ") }
            let seqs = frames.compactMap { Int($0.split(separator: "\n")[0].dropFirst(4)) }
            #expect(seqs == Array(1...seqs.count), "gapless and ordered")
            #expect(frames.filter { $0.contains("event: token") }.count == 5)
            #expect(frames.last?.contains("\"completed\"") == true, "ends with the final status")

            let resumed = try await client.execute(
                uri: "/api/v1/tasks/\(id)/events", method: .get, headers: [.accept: "text/event-stream", HTTPField.Name("Last-Event-ID")!: "3"])
            let resumedSeqs = resumed.text.components(separatedBy: "\n\n").filter { $0.hasPrefix("id: ") }
                .compactMap { Int($0.split(separator: "\n")[0].dropFirst(4)) }
            #expect(resumedSeqs == Array(4...seqs.count))

            let page = try await client.send(.get, "/api/v1/tasks/\(id)/events?after=2&limit=2").json
            #expect(page["events"]?.arrayValue?.compactMap { $0["seq"]?.intValue } == [3, 4])
            #expect(page["status"] == "completed")
            let caughtUp = try await client.send(.get, "/api/v1/tasks/\(id)/events?after=\(seqs.count)&wait=1").json
            #expect(caughtUp["events"]?.arrayValue?.isEmpty == true, "a finished task does not make the long-poll wait")
            // Resuming an SSE stream past a finished task's last event ends it at once.
            let past = try await client.execute(
                uri: "/api/v1/tasks/\(id)/events", method: .get,
                headers: [.accept: "text/event-stream", HTTPField.Name("Last-Event-ID")!: String(seqs.count)])
            #expect(!past.text.contains("id: "))
        }
    }

    @Test("a long-poll returns as soon as the next event is committed")
    func longPoll() async throws {
        try await withAPI(workers: false) { client, store in
            _ = try await client.agent(["name": "echo"])
            let id = try #require(try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "x"]]).json["id"]?.stringValue)
            let started = ContinuousClock.now
            async let page = client.send(.get, "/api/v1/tasks/\(id)/events?after=1&wait=30")
            try await Task.sleep(for: .milliseconds(300))
            _ = try await store.eventAppend(EventAppendParams(taskID: id, events: [NewTaskEvent(type: "log", data: ["message": "hello"])]))
            let events = try await page.json["events"]?.arrayValue ?? []
            #expect(events.first?["data"]?["message"] == "hello")
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }
}
