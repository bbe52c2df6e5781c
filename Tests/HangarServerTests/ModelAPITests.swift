import Foundation
import HangarAgents
import HangarCore
import HangarTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

/// The model routes and chat sessions against a local server speaking Ollama's native API.
@Suite("API: models, Ollama, chat over a real provider client")
struct ModelAPITests {
    static func ollamaCatalog(_ url: String) -> ModelCatalog {
        var registry = ProviderRegistry()
        registry.register(
            "ollama",
            OllamaProvider(
                endpoint: ProviderEndpoint(name: "ollama", kind: .ollama, baseURL: url, retry: ProviderRetryPolicy(maxRetries: 0)),
                client: Clients.provider))
        return ModelCatalog(providers: registry)
    }

    static func ollamaServer() async -> ModelServer {
        let server = ModelServer()
        await server.setTags([
            "models": [["name": "llama3.2:latest", "size": 2_019_393_189, "modified_at": "2026-10-01T10:00:00Z", "digest": "sha256:a80c4f17acd5"]]
        ])
        await server.setShow("llama3.2:latest", ["capabilities": ["completion", "tools"], "model_info": ["llama.context_length": 8192]])
        await server.setPull([["status": "pulling manifest"], ["status": "downloading", "digest": "sha256:1", "total": 200, "completed": 50], ["status": "success"]])
        return server
    }

    @Test("models/available, providers, ollama models, names, health and pull (SSE and JSON)")
    func modelRoutes() async throws {
        let server = await Self.ollamaServer()
        try await server.run { url in
            try await withAPI(models: Self.ollamaCatalog(url)) { client, _ in
                let available = try await client.send(.get, "/api/v1/models/available").json
                let ids = available["models"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
                #expect(ids == ["mock/echo", "ollama/llama3.2:latest"])
                #expect(available["models"]?.arrayValue?.last?["capabilities"] == ["text", "tools"])
                #expect(available["models"]?.arrayValue?.last?["context_length"] == 8192)
                let tools = try await client.send(.get, "/api/v1/models/available?capability=tools").json
                #expect(tools["count"] == 1)

                // Seed 004's Ollama listing: Ollama's own `size` and `digest` beside Hangar's fields.
                let ollamaModels = try await client.send(.get, "/api/v1/ollama/models").json
                #expect(ollamaModels["models"]?.arrayValue?.first?["size"] == 2_019_393_189, "\(ollamaModels)")
                #expect(ollamaModels["models"]?.arrayValue?.first?["digest"] == "sha256:a80c4f17acd5", "\(ollamaModels)")
                let names = try await client.send(.get, "/api/v1/ollama/models/names").json
                #expect(names["models"] == ["llama3.2:latest"])
                let health = try await client.send(.get, "/api/v1/ollama/health")
                #expect(health.status == .ok && health.json["detail"] == "ollama 0.9.0" && health.json["healthy"] == true)
                // Seed 004's fields: how many models, and the default model when Ollama serves it (none here).
                #expect(health.json["status"] == "healthy" && health.json["models_available"] == 1 && health.json["default_model"] == .null, "\(health.text)")
                let providers = try await client.send(.get, "/api/v1/models/providers").json
                #expect(providers["providers"]?.arrayValue?.map { $0["status"]?.stringValue ?? "" } == ["healthy", "healthy"])
                #expect(providers["providers"]?.arrayValue?.last?["base_url"]?.stringValue == url)
                #expect(available["models"]?.arrayValue?.last?["size_bytes"] == 2_019_393_189)
                #expect(available["models"]?.arrayValue?.first?["details"]?["description"] != nil, "free-form details pass through")
                // Served through the generated protocol, a request it refuses still gets the API's error body.
                let html = try await client.send(.get, "/api/v1/models/available", headers: [.accept: "text/html"])
                #expect(html.status == .notAcceptable && html.json["status_code"] == 406 && html.json["detail"]?.stringValue?.contains("text/html") == true)

                let pull = try await client.send(.post, "/api/v1/ollama/models/pull/llama3.2?stream=true")
                #expect(pull.headers[.contentType] == "text/event-stream")
                let events = pull.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
                #expect(events.count == 4 && events.last?.hasPrefix("event: complete") == true)
                #expect(events[1].contains("\"percent\":25"))
                let waited = try await client.send(.post, "/api/v1/ollama/models/pull/llama3.2?stream=false").json
                #expect(waited == ["model": "llama3.2", "status": "success"])
                // Seed 004's default is one JSON answer; an event-stream Accept asks for progress.
                let plain = try await client.send(.post, "/api/v1/ollama/models/pull/llama3.2")
                #expect(plain.json == ["model": "llama3.2", "status": "success"], "\(plain.text)")
                let accepted = try await client.send(.post, "/api/v1/ollama/models/pull/llama3.2", headers: [.accept: "text/event-stream"])
                #expect(accepted.headers[.contentType] == "text/event-stream")
                let bad = try await client.send(.post, "/api/v1/ollama/models/pull/%20bad%20")
                #expect(bad.status == .unprocessableContent)
            }
        }
        // Ollama down: 503 naming the problem, and the listing still answers, naming the provider that failed.
        try await withAPI(models: Self.ollamaCatalog("http://127.0.0.1:1")) { client, _ in
            // 200 as the seed answers; `status` says it is down.
            let health = try await client.send(.get, "/api/v1/ollama/health")
            #expect(health.status == .ok && health.json["status"] == "unhealthy" && health.json["models_available"] == 0, "\(health.text)")
            let names = try await client.send(.get, "/api/v1/ollama/models/names")
            #expect(names.status == .serviceUnavailable && names.json["detail"]?.stringValue?.contains("ollama") == true)
            let available = try await client.send(.get, "/api/v1/models/available").json
            #expect(available["count"] == 1 && available["errors"]?["ollama"] != nil)
            // Words, in the health routes' vocabulary, not a Swift dump (issue 24).
            let reason = available["errors"]?["ollama"]?.stringValue ?? ""
            #expect(reason.hasPrefix("unhealthy: ") && !reason.contains("TaskFailure(") && reason.contains("ollama"), "\(reason)")
        }
    }

    @Test("A chat over Ollama: performance_metrics carry Ollama's own load, prompt and generation timings")
    func chatOverOllama() async throws {
        let server = await Self.ollamaServer()
        for reply in ["Hello Ada.", "You said your name is Ada."] {
            await server.enqueue(
                .lines([
                    ["message": ["role": "assistant", "content": .string(reply)], "done": false],
                    [
                        "message": ["role": "assistant", "content": ""], "done": true, "load_duration": 123_000_000, "prompt_eval_count": 26,
                        "prompt_eval_duration": 789_000_000, "eval_count": 8, "eval_duration": 400_000_000,
                    ],
                ]))
        }
        try await server.run { url in
            try await withAPI(models: Self.ollamaCatalog(url)) { client, _ in
                let session = try await client.send(.post, "/api/v1/chat/sessions", json: ["model_name": "ollama/llama3.2", "title": "t", "system_prompt": "Be kind."]
                ).json
                let id = try #require(session["id"]?.stringValue)
                let first = try await client.send(.post, "/api/v1/chat/sessions/\(id)/messages", json: ["message": "I am Ada"]).json
                #expect(first["response"] == "Hello Ada." && first["model"] == "ollama/llama3.2")
                let metrics = try #require(first["performance_metrics"])
                #expect(metrics["load_time_seconds"] == 0.123 && metrics["prompt_eval_time_seconds"] == 0.789)
                #expect(metrics["generation_time_seconds"] == 0.4 && metrics["prompt_tokens"] == 26 && metrics["response_tokens"] == 8)
                #expect(metrics["tokens_per_second"]?.doubleValue == 20 && metrics["total_tokens"] == 34)
                #expect((metrics["response_time_seconds"]?.doubleValue ?? 0) > 0)

                let second = try await client.send(.post, "/api/v1/chat/sessions/\(id)/messages", json: ["message": "Who am I?"]).json
                #expect(second["response"] == "You said your name is Ada.")
                // The second call carried the whole conversation.
                let sent = await server.requests.last?["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue }
                #expect(sent == ["Be kind.", "I am Ada", "Hello Ada.", "Who am I?"])
            }
        }
    }

    @Test("An agent naming a provider that is not configured is refused at creation")
    func unknownProvider() async throws {
        try await withAPI { client, _ in
            let refused = try await client.send(.post, "/api/v1/agents", json: ["name": "gpt", "model": "openai/gpt-4o-mini"])
            #expect(refused.status == .unprocessableContent && refused.json["field"] == "model")
            #expect(refused.json["detail"]?.stringValue?.contains("no model provider named 'openai' is configured") == true, "\(refused.text)")
            // No default provider is configured here: an unprefixed model is refused, never given to the mock.
            let plain = try await client.send(.post, "/api/v1/agents", json: ["name": "plain", "model": "llama2"])
            #expect(plain.status == .unprocessableContent && plain.json["field"] == "model", "\(plain.text)")
            #expect(plain.json["detail"]?.stringValue?.contains("no default provider is configured") == true, "\(plain.text)")
        }
        // With a default provider (the operator named one), the same model goes there.
        let models = ModelCatalog(providers: ProviderRegistry(providers: ["mock": MockProvider(), "ollama": MockProvider()], defaultProvider: "ollama"))
        try await withAPI(models: models) { client, _ in
            let plain = try await client.send(.post, "/api/v1/agents", json: ["name": "plain", "model": "llama2"])
            #expect(plain.status == .created, "\(plain.text)")
        }
    }
}

enum Clients {
    static let provider = ProviderConfiguration.makeHTTPClient()
}
