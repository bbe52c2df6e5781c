import HangarServer
import Foundation
import HangarAgents
import HangarAuth
import HangarCore
import HangarStore
import HangarTestSupport
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

/// The mock, remembering what it was sent.
final class RecordingProvider: ModelProvider {
    let requests = Mutex<[ModelRequest]>([])

    func complete(_ request: ModelRequest, context: ModelCallContext) async throws -> ModelResponse {
        requests.withLock { $0.append(request) }
        return try await MockProvider().complete(request, context: context)
    }

    var last: ModelRequest? { requests.withLock { $0.last } }
}

/// Server-Sent Events as (event, data) pairs.
func parseSSE(_ text: String) -> [(event: String, data: JSONValue)] {
    text.components(separatedBy: "\n\n").compactMap { block in
        var event = "message"
        var data = ""
        for line in block.split(separator: "\n") {
            if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data += line.dropFirst(6) }
        }
        guard !data.isEmpty, let value = try? JSONText.decode(data) else { return nil }
        return (event, value)
    }
}

@Suite("API: chat sessions")
struct ChatAPITests {
    static let metricKeys: Set<String> = [
        "response_time_seconds", "load_time_seconds", "prompt_eval_time_seconds", "generation_time_seconds", "prompt_tokens",
        "response_tokens", "total_tokens", "tokens_per_second", "context_length_chars", "model_name", "timestamp",
    ]

    @Test("a session across several messages: the seed's reply shape, measured metrics, stored history and stats",
        arguments: TestBackend.allCases)
    func conversation(_ backend: TestBackend) async throws {
        try await withAPI(backend, workers: false) { client, _ in
            // setup
            let created = try await client.send(
                .post, "/api/v1/chat/sessions",
                json: ["session_type": "agent_creation", "model_name": "mock/echo", "user_id": "user-123", "title": "Create Email Analysis Agent",
                       "system_prompt": "You are terse."])
            #expect(created.status == .created)
            let id = try #require(created.json["id"]?.stringValue)
            #expect(created.json["session_id"] == .string(id))
            #expect(created.json["status"] == "active" && created.json["session_type"] == "agent_creation")
            #expect(created.json["model"] == "mock/echo" && created.json["created_by"] == "local")

            // act: three messages
            var previousContext = 0
            var replies: [JSONValue] = []
            for text in ["Create an agent that analyzes emails", "Use the Gmail API please", "Please generate the final agent configuration"] {
                let response = try await client.send(.post, "/api/v1/chat/sessions/\(id)/messages", json: ["message": .string(text)])
                #expect(response.status == .ok, "\(response.text)")
                let reply = response.json
                replies.append(reply)
                #expect(Set(reply.objectValue?.keys.map { $0 } ?? []) == ["session_id", "message_id", "response", "model", "performance_metrics"])
                #expect(reply["session_id"] == .string(id) && reply["response"] == .string(text) && reply["model"] == "mock/echo")
                let metrics = try #require(reply["performance_metrics"]?.objectValue)
                #expect(Set(metrics.keys) == Self.metricKeys)
                #expect((metrics["response_time_seconds"]?.doubleValue ?? -1) >= 0)
                #expect(metrics["load_time_seconds"] == .null, "the mock loads no model: not measured, so null")
                #expect(metrics["prompt_eval_time_seconds"] == .null)
                #expect(metrics["generation_time_seconds"]?.doubleValue != nil, "measured while streaming from the mock")
                #expect(metrics["tokens_per_second"]?.doubleValue != nil)
                let prompt = try #require(metrics["prompt_tokens"]?.intValue)
                let answer = try #require(metrics["response_tokens"]?.intValue)
                #expect(answer == text.split(separator: " ").count)
                #expect(metrics["total_tokens"]?.intValue == prompt + answer)
                let context = try #require(metrics["context_length_chars"]?.intValue)
                #expect(context > previousContext, "the context grows with the history")
                previousContext = context
                #expect(metrics["model_name"] == "mock/echo")
                let timestamp = try #require(metrics["timestamp"]?.stringValue)
                #expect(timestamp.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#, options: .regularExpression) != nil, "\(timestamp)")
            }
            // The first context is the system prompt and the first message.
            #expect(replies[0]["performance_metrics"]?["context_length_chars"] == .int(Int64("You are terse.".count + "Create an agent that analyzes emails".count)))

            // validate: stored history
            let messages = try await client.send(.get, "/api/v1/chat/sessions/\(id)/messages?envelope=true").json
            let list = try #require(messages["messages"]?.arrayValue)
            #expect(list.map { $0["role"]?.stringValue ?? "" } == ["user", "assistant", "user", "assistant", "user", "assistant"])
            #expect(list.map { $0["seq"]?.intValue ?? 0 } == [1, 2, 3, 4, 5, 6])
            #expect(list[1]["id"] == replies[0]["message_id"])
            #expect(list[1]["performance_metrics"] == replies[0]["performance_metrics"])
            #expect(list[0]["performance_metrics"] == .null && list[0]["prompt_tokens"] == .null)
            let page = try await client.send(.get, "/api/v1/chat/sessions/\(id)/messages?before=5&limit=2&envelope=true").json
            #expect(page["messages"]?.arrayValue?.map { $0["seq"]?.intValue ?? 0 } == [3, 4])
            let after = try await client.send(.get, "/api/v1/chat/sessions/\(id)/messages?after=4&envelope=true").json
            #expect(after["messages"]?.arrayValue?.map { $0["seq"]?.intValue ?? 0 } == [5, 6])
            #expect(try await client.send(.get, "/api/v1/chat/sessions/\(id)").json["message_count"] == 6)

            // validate: stats
            let stats = try await client.send(.get, "/api/v1/chat/sessions/\(id)/stats")
            #expect(stats.status == .ok)
            #expect(stats.json["message_count"] == 6)
            #expect(stats.json["messages_by_role"] == ["user": 3, "assistant": 3])
            let totals = replies.compactMap { $0["performance_metrics"]?["total_tokens"]?.intValue }.reduce(0, +)
            #expect(stats.json["total_tokens"]?.intValue == totals)
            #expect(stats.json["cost_usd"]?.doubleValue == 0, "the mock is free")
            #expect(stats.json["response_time_seconds"]?["count"] == 3)
            let times = replies.compactMap { $0["performance_metrics"]?["response_time_seconds"]?.doubleValue }.sorted()
            #expect(stats.json["response_time_seconds"]?["p50"]?.doubleValue == times[1])
            #expect(stats.json["response_time_seconds"]?["p95"]?.doubleValue == times[2])
            #expect(stats.json["tokens_per_second"]?["average"]?.doubleValue != nil)
            #expect(stats.json["first_message_at"]?.stringValue != nil && stats.json["last_message_at"]?.stringValue != nil)

            // validate: list and delete
            let listed = try await client.send(.get, "/api/v1/chat/sessions?session_type=agent_creation&status=active&envelope=true").json
            #expect(listed["total"] == 1 && listed["sessions"]?.arrayValue?.first?["id"] == .string(id))
            // Seed 004's shape by default: the bare array, the total in a header.
            let seedList = try await client.send(.get, "/api/v1/chat/sessions?session_type=agent_creation")
            #expect(seedList.json.arrayValue?.map { $0["id"] } == [.string(id)])
            #expect(seedList.headers[HTTPField.Name("X-Total-Count")!] == "1")
            #expect(try await client.send(.get, "/api/v1/chat/sessions?session_type=general").json == [])
            #expect(try await client.send(.delete, "/api/v1/chat/sessions/\(id)").status == .ok)
            #expect(try await client.send(.get, "/api/v1/chat/sessions/\(id)").status == .notFound)
            #expect(try await client.send(.get, "/api/v1/chat/sessions/\(id)/messages").status == .notFound)
        }
    }

    @Test("history is trimmed to context_tokens × 4 characters, keeping the system prompt and the newest message")
    func trimming() async throws {
        let recorder = RecordingProvider()
        let models = ModelCatalog(providers: ProviderRegistry(providers: ["mock": recorder]))
        try await withAPI(workers: false, models: models) { client, _ in
            let created = try await client.send(
                .post, "/api/v1/chat/sessions", json: ["system_prompt": "sys", "config": ["context_tokens": 10]])
            let id = try #require(created.json["id"]?.stringValue)
            let send = { (text: String) async throws -> JSONValue in
                let response = try await client.send(.post, "/api/v1/chat/sessions/\(id)/messages", json: ["message": .string(text)])
                #expect(response.status == .ok, "\(response.text)")
                return response.json
            }
            _ = try await send("aaaaaaaaaa")
            #expect(recorder.last?.messages.map(\.content) == ["sys", "aaaaaaaaaa"])
            _ = try await send("bbbbbbbbbb")
            #expect(recorder.last?.messages.map(\.content) == ["sys", "aaaaaaaaaa", "aaaaaaaaaa", "bbbbbbbbbb"], "33 of 40 characters: all fits")
            let third = try await send("cccccccccc")
            // 3 + 10 (newest) + 10 + 10 = 33; the next older message (10) would make 43 > 40.
            #expect(recorder.last?.messages.map(\.role) == ["system", "user", "assistant", "user"])
            #expect(recorder.last?.messages.map(\.content) == ["sys", "bbbbbbbbbb", "bbbbbbbbbb", "cccccccccc"])
            #expect(third["performance_metrics"]?["context_length_chars"] == 33)
            let long = String(repeating: "d", count: 100)
            let fourth = try await send(long)
            #expect(recorder.last?.messages.map(\.content) == ["sys", long], "the newest message is sent even beyond the budget")
            #expect(fourth["performance_metrics"]?["context_length_chars"] == 103)
        }
    }

    @Test("stream: true answers with token events, then done carrying the full reply; failures arrive as error events")
    func streaming() async throws {
        try await withAPI(workers: false) { client, _ in
            let id = try #require(try await client.send(.post, "/api/v1/chat/sessions", json: ["title": "s"]).json["id"]?.stringValue)
            let response = try await client.send(
                .post, "/api/v1/chat/sessions/\(id)/messages", json: ["message": "one two three four five", "stream": true])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            let events = parseSSE(response.text)
            let tokens = events.filter { $0.event == "token" }.compactMap { $0.data["text"]?.stringValue }
            #expect(tokens.count == 5)
            let done = try #require(events.last)
            #expect(done.event == "done")
            #expect(done.data["response"] == .string(tokens.joined()))
            #expect(done.data["response"] == "one two three four five")
            #expect(Set(done.data["performance_metrics"]?.objectValue?.keys.map { $0 } ?? []) == Self.metricKeys)
            let stored = try await client.send(.get, "/api/v1/chat/sessions/\(id)/messages").json.arrayValue ?? []
            #expect(stored.last?["id"] == done.data["message_id"])

            let failing = try #require(
                try await client.send(.post, "/api/v1/chat/sessions", json: ["config": ["fail_times": 1]]).json["id"]?.stringValue)
            let failed = try await client.send(.post, "/api/v1/chat/sessions/\(failing)/messages", json: ["message": "hi", "stream": true])
            let error = try #require(parseSSE(failed.text).last)
            #expect(error.event == "error" && error.data["status_code"] == 502)
            #expect(error.data["detail"]?.stringValue?.contains("fail_times") == true)
        }
    }

    @Test("a provider failure answers 502 and keeps the user's message; an archived session refuses with 409")
    func failuresAndStatus() async throws {
        try await withAPI(workers: false) { client, _ in
            let failing = try #require(
                try await client.send(.post, "/api/v1/chat/sessions", json: ["config": ["fail_times": 1]]).json["id"]?.stringValue)
            let failed = try await client.send(.post, "/api/v1/chat/sessions/\(failing)/messages", json: ["message": "keep me"])
            #expect(failed.status == .badGateway)
            #expect(failed.json["status_code"] == 502)
            #expect(failed.json["detail"]?.stringValue?.contains("mock/echo") == true)
            let kept = try await client.send(.get, "/api/v1/chat/sessions/\(failing)/messages").json.arrayValue ?? []
            #expect(kept.map { $0["content"] } == ["keep me"], "accepted, so stored; no reply")

            let id = try #require(try await client.send(.post, "/api/v1/chat/sessions", json: [:]).json["id"]?.stringValue)
            let archived = try await client.send(.put, "/api/v1/chat/sessions/\(id)/status", json: ["status": "archived"])
            #expect(archived.status == .ok && archived.json["status"] == "archived")
            let refused = try await client.send(.post, "/api/v1/chat/sessions/\(id)/messages", json: ["message": "hello?"])
            #expect(refused.status == .conflict)
            #expect(refused.json["detail"]?.stringValue?.contains("archived") == true)
            #expect(try await client.send(.get, "/api/v1/chat/sessions/\(id)/messages").json.arrayValue?.isEmpty == true)
            let bad = try await client.send(.put, "/api/v1/chat/sessions/\(id)/status", json: ["status": "sleeping"])
            #expect(bad.status == .unprocessableContent && bad.json["field"] == "status")
            #expect(try await client.send(.put, "/api/v1/chat/sessions/\(id)/status", json: ["status": "active"]).status == .ok)
            #expect(try await client.send(.post, "/api/v1/chat/sessions/\(id)/messages", json: ["message": "hello?"]).status == .ok)
            #expect(try await client.send(.get, "/api/v1/chat/sessions?status=archived&envelope=true").json["total"] == 0)
        }
    }

    @Test("bad input is refused with 422 naming the field")
    func validation() async throws {
        try await withAPI(workers: false) { client, _ in
            let cases: [(JSONValue, String)] = [
                (["config": ["template": "email_processor_template"]], "config.template"),
                (["config": ["temperature": 5]], "config.temperature"),
                (["config": ["context_tokens": 0]], "config.context_tokens"),
                (["config": "warm"], "config"),
                (["model": ""], "model"),
                (["model_name": 7], "model_name"),
                (["title": ["not": "text"]], "title"),
            ]
            for (body, field) in cases {
                let response = try await client.send(.post, "/api/v1/chat/sessions", json: body)
                #expect(response.status == .unprocessableContent, "\(body): \(response.text)")
                #expect(response.json["field"] == .string(field), "\(response.text)")
            }
            let missingAgent = try await client.send(.post, "/api/v1/chat/sessions", json: ["agent_id": "nobody"])
            #expect(missingAgent.status == .notFound && missingAgent.json["field"] == "agent_id")
            // An unprefixed model with no default provider: refused, never sent to the mock.
            let unprefixed = try await client.send(.post, "/api/v1/chat/sessions", json: ["model_name": "llama2"])
            #expect(unprefixed.status == .unprocessableContent && unprefixed.json["field"] == "model_name", "\(unprefixed.text)")
            #expect(unprefixed.json["detail"]?.stringValue?.contains("no default provider is configured") == true, "\(unprefixed.text)")

            let id = try #require(try await client.send(.post, "/api/v1/chat/sessions", json: [:]).json["id"]?.stringValue)
            let sends: [(JSONValue, String)] = [
                ([:], "message"), (["message": "  "], "message"), (["message": 3], "message"),
                (["message": "x", "images": "pic"], "images"), (["message": "x", "images": [1]], "images[0]"),
                (["message": "x", "stream": "yes"], "stream"),
            ]
            for (body, field) in sends {
                let response = try await client.send(.post, "/api/v1/chat/sessions/\(id)/messages", json: body)
                #expect(response.status == .unprocessableContent, "\(body): \(response.text)")
                #expect(response.json["field"] == .string(field), "\(response.text)")
            }
            #expect(try await client.send(.get, "/api/v1/chat/sessions?status=nope").json["field"] == "status")
            #expect(try await client.send(.get, "/api/v1/chat/sessions/\(id)/messages?before=3&after=1").status == .unprocessableContent)
            #expect(try await client.send(.get, "/api/v1/chat/sessions?limit=0").json["field"] == "limit")
        }
    }

    @Test("templates are listed and applied; models are listed with provider errors")
    func templatesAndModels() async throws {
        try await withAPI(workers: false) { client, _ in
            let templates = try await client.send(.get, "/api/v1/chat/templates").json["templates"]?.arrayValue ?? []
            #expect(templates.compactMap { $0["id"]?.stringValue } == ["general", "agent_creation", "code_assistant", "summarizer"])
            for template in templates {
                #expect(template["system_prompt"]?.stringValue?.isEmpty == false && template["suggested_config"]?.objectValue != nil)
            }
            let wizard = try await client.send(
                .post, "/api/v1/chat/sessions", json: ["config": ["template": "agent_creation", "temperature": 0.1, "custom_parameters": ["email_provider": "gmail"]]])
            #expect(wizard.status == .created)
            #expect(wizard.json["session_type"] == "agent_creation")
            #expect(wizard.json["system_prompt"]?.stringValue?.contains("POST /api/v1/agents") == true)
            #expect(wizard.json["config"]?["temperature"] == 0.1, "the request's config wins over the template's")
            #expect(wizard.json["config"]?["max_tokens"] == 2048)
            #expect(wizard.json["config"]?["custom_parameters"]?["email_provider"] == "gmail")

            let models = try await client.send(.get, "/api/v1/chat/models").json
            #expect(models["models"]?.arrayValue?.contains { $0["id"] == "mock/echo" } == true)
            #expect(models["errors"] == [:])
            #expect(models["default_model"] == "mock/echo")
        }
    }

    @Test("sessions belong to their tenant: another tenant gets 404 for every route")
    func tenancy() async throws {
        try await withAPI(auth: .required, workers: false) { client, store in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            try await store.tenantUpsert(id: "globex", name: "Globex")
            let acme = try await AuthorizationTests.key(store, tenant: "acme", role: .operator, name: "acme")
            let globex = try await AuthorizationTests.key(store, tenant: "globex", role: .admin, name: "globex")
            let asAcme: HTTPFields = [.authorization: "Bearer \(acme.token)"]
            let asGlobex: HTTPFields = [.authorization: "Bearer \(globex.token)"]

            let created = try await client.send(.post, "/api/v1/chat/sessions", json: ["title": "private"], headers: asAcme)
            #expect(created.json["created_by"] == .string("key:\(acme.id)"))
            let id = try #require(created.json["id"]?.stringValue)
            #expect(try await client.send(.post, "/api/v1/chat/sessions/\(id)/messages", json: ["message": "secret plans"], headers: asAcme).status == .ok)

            let routes: [(HTTPRequest.Method, String, JSONValue?)] = [
                (.get, "", nil), (.get, "/messages", nil), (.get, "/stats", nil), (.post, "/messages", ["message": "hi"]),
                (.put, "/status", ["status": "archived"]), (.delete, "", nil),
            ]
            for (method, path, body) in routes {
                let response = try await client.send(method, "/api/v1/chat/sessions/\(id)\(path)", json: body, headers: asGlobex)
                #expect(response.status == .notFound, "\(method) \(path)")
                #expect(!response.text.contains("secret plans"))
            }
            #expect(try await client.send(.get, "/api/v1/chat/sessions", headers: asGlobex).json == [])
            #expect(try await client.send(.get, "/api/v1/chat/sessions/\(id)/messages", headers: asAcme).json.arrayValue?.count == 2)
        }
    }

    @Test("with no default chat model set (the server's default), a session must name its model")
    func noDefaultModel() async throws {
        try await withAPI(workers: false, configure: { $0.chatDefaultModel = nil }) { client, _ in
            let response = try await client.send(.post, "/api/v1/chat/sessions", json: ["title": "t"])
            #expect(response.status == .unprocessableContent && response.json["field"] == "model_name", "\(response.text)")
            #expect(response.json["detail"]?.stringValue?.contains("HANGAR_CHAT_DEFAULT_MODEL") == true, "\(response.text)")
            let status = try await client.send(.get, "/api/v1/chat/models")
            #expect(status.json["default_model"] == .null, "\(status.text)")
        }
    }
}
