import AsyncHTTPClient
import Foundation
import HangarSettings
import HangarCore
import HangarTestSupport
import NIOCore
import Testing

@testable import HangarAgents

@Suite("Model providers against local servers speaking their wire protocols")
struct ProviderTests {
    static func openAI(_ url: String, retries: Int = 3, threshold: Int = 5, timeout: Duration = .seconds(30)) -> OpenAICompatibleProvider {
        OpenAICompatibleProvider(
            endpoint: ProviderEndpoint(
                name: "openai", kind: .openai, baseURL: url + "/v1", apiKey: "sk-test", requestTimeout: timeout,
                retry: ProviderRetryPolicy(maxRetries: retries, baseDelay: .milliseconds(20), maxDelay: .milliseconds(100)),
                breakerThreshold: threshold, breakerCooldown: .seconds(60)),
            client: TestClients.provider)
    }

    @Test("OpenAI non-streaming: the request's fields, the answer, tool calls and usage")
    func openAIPlain() async throws {
        let server = ModelServer()
        await server.enqueue(.json(ModelServer.completion(nil, toolCalls: [("call_9", "add", #"{"a":2,"b":3}"#)], prompt: 31, completion: 12)))
        try await server.run { url in
            let provider = Self.openAI(url)
            let request = ModelRequest(
                model: "gpt-4o-mini",
                messages: [ChatMessage(role: "system", content: "be brief"), ChatMessage(role: "user", content: "what is in this?", images: ["aGVsbG8="])],
                temperature: 0.2, maxTokens: 64, tools: [ToolSpec(name: "add", description: "adds", parameters: ["type": "object"])],
                responseFormat: .json)
            let response = try await provider.complete(request, context: ModelCallContext(attempt: 1))
            #expect(response.toolCalls == [ToolCall(id: "call_9", name: "add", arguments: #"{"a":2,"b":3}"#)])
            #expect(response.promptTokens == 31 && response.completionTokens == 12 && response.usageReported)
            #expect(response.finishReason == "tool_calls")
            #expect(response.timings.firstToken == nil && response.timings.total > 0)

            let sent = try #require(await server.requests.first)
            #expect(sent["model"] == "gpt-4o-mini" && sent["temperature"] == 0.2 && sent["max_tokens"] == 64 && sent["stream"] == nil)
            #expect(sent["response_format"] == ["type": "json_object"])
            #expect(sent["tools"]?[0]?["function"]?["name"] == "add")
            #expect(sent["messages"]?[1]?["content"]?[1]?["image_url"]?["url"] == "data:image/jpeg;base64,aGVsbG8=")
            #expect(await server.headers.first?["authorization"] == "Bearer sk-test")
        }
    }

    @Test("OpenAI streaming: deltas arrive in order, split events reassemble, tool-call pieces join, usage from the last chunk")
    func openAIStream() async throws {
        let server = ModelServer()
        await server.enqueue(.stream(ModelServer.streamed(["The ", "answer ", "is ", "42."], prompt: 9, completion: 4)))
        let toolChunks: [JSONValue] = [
            ["choices": [["index": 0, "delta": ["tool_calls": [["index": 0, "id": "call_1", "type": "function", "function": ["name": "add", "arguments": ""]]]]]]],
            ["choices": [["index": 0, "delta": ["tool_calls": [["index": 0, "function": ["arguments": "{\"a\": 1,"]]]]]]],
            ["choices": [["index": 0, "delta": ["tool_calls": [["index": 0, "function": ["arguments": " \"b\": 2}"]]]]]]],
            ["choices": [["index": 0, "delta": [:], "finish_reason": "tool_calls"]]],
        ]
        await server.enqueue(.stream(toolChunks))
        try await server.run { url in
            let provider = Self.openAI(url)
            let received = Received()
            let request = ModelRequest(model: "gpt-4o-mini", messages: [ChatMessage(role: "user", content: "question")])
            let response = try await provider.complete(request, context: ModelCallContext(attempt: 1, onToken: { await received.add($0) }))
            #expect(await received.pieces == ["The ", "answer ", "is ", "42."])
            #expect(response.content == "The answer is 42.")
            #expect(response.promptTokens == 9 && response.completionTokens == 4 && response.usageReported)
            #expect(response.timings.firstToken != nil && response.timings.generation != nil)
            let sent = await server.requests.first
            #expect(sent?["stream"] == true && sent?["stream_options"]?["include_usage"] == true)

            let tools = try await provider.complete(request, context: ModelCallContext(attempt: 1, onToken: { _ in }))
            #expect(tools.toolCalls == [ToolCall(id: "call_1", name: "add", arguments: #"{"a": 1, "b": 2}"#)])
            #expect(!tools.usageReported)  // this server sent no usage: Hangar estimated
        }
    }

    @Test("429 with Retry-After is waited out and retried; 500s are retried; a 400 is not")
    func retries() async throws {
        let server = ModelServer()
        await server.enqueue(
            .status(429, headers: ["Retry-After": "1"], body: ["error": ["message": "Rate limit reached"]]),
            .status(500, body: ["error": ["message": "boom"]]),
            .json(ModelServer.completion("finally")))
        try await server.run { url in
            let provider = Self.openAI(url)
            let started = ContinuousClock.now
            let response = try await provider.complete(
                ModelRequest(model: "m", messages: [ChatMessage(role: "user", content: "x")]), context: ModelCallContext(attempt: 1))
            #expect(response.content == "finally")
            #expect(ContinuousClock.now - started >= .seconds(1))  // honoured Retry-After
            #expect(await server.requests.count == 3)

            await server.enqueue(.status(400, body: ["error": ["message": "Invalid model 'nope'"]]))
            let failure = await #expect(throws: TaskFailure.self) {
                _ = try await provider.complete(ModelRequest(model: "nope", messages: []), context: ModelCallContext(attempt: 1))
            }
            #expect(failure?.retryable == false && failure?.message.contains("Invalid model 'nope'") == true)
            #expect(await server.requests.count == 4)

            // A Retry-After beyond what a call waits: fail retryable at once, for the queue to retry later.
            await server.enqueue(.status(429, headers: ["Retry-After": "3600"], body: ["error": ["message": "quota"]]))
            let later = await #expect(throws: TaskFailure.self) {
                _ = try await provider.complete(ModelRequest(model: "m", messages: []), context: ModelCallContext(attempt: 1))
            }
            #expect(later?.retryable == true && later?.code == "provider_rate_limited")
        }
    }

    @Test("The circuit opens after repeated failures, shows in health, and fails fast without calling")
    func circuitBreaker() async throws {
        let server = ModelServer()
        for _ in 0..<4 { await server.enqueue(.status(503, body: ["error": ["message": "overloaded"]])) }
        try await server.run { url in
            let provider = Self.openAI(url, retries: 1, threshold: 2)
            let request = ModelRequest(model: "m", messages: [ChatMessage(role: "user", content: "x")])
            await #expect(throws: TaskFailure.self) { _ = try await provider.complete(request, context: ModelCallContext(attempt: 1)) }
            #expect(await server.requests.count == 2)
            let fast = await #expect(throws: TaskFailure.self) { _ = try await provider.complete(request, context: ModelCallContext(attempt: 1)) }
            #expect(fast?.message.contains("circuit open") == true && fast?.retryable == true)
            #expect(await server.requests.count == 2)  // no call went out
            #expect(await provider.health().status == "circuit_open")
        }
        // Nothing listening: transient, and quick (the client does not retry connecting inside).
        let dead = Self.openAI("http://127.0.0.1:1", retries: 0, timeout: .seconds(20))
        let started = ContinuousClock.now
        let refused = await #expect(throws: TaskFailure.self) {
            _ = try await dead.complete(ModelRequest(model: "m", messages: []), context: ModelCallContext(attempt: 1))
        }
        #expect(refused?.retryable == true && refused?.code == "provider_unavailable")
        #expect(ContinuousClock.now - started < .seconds(5))
        // In words, not a dump of NIO's or AsyncHTTPClient's error values (issue 24).
        let message = refused?.message ?? ""
        #expect(message.contains("connection refused"), "\(message)")
        for leak in ["NIOConnectionError", "HTTPClientError", "errno", "IOError", "SingleConnectionFailure"] {
            #expect(!message.contains(leak), "\(message)")
        }
    }

    @Test("A provider that accepts the connection and never answers: the call ends at the request timeout as provider_timeout, retryable, streaming or not (issue 25)")
    func stalledProvider() async throws {
        let stalled = try await StallingServer()
        let provider = Self.openAI(stalled.url, retries: 1, threshold: 10, timeout: .milliseconds(500))
        let request = ModelRequest(model: "m", messages: [ChatMessage(role: "user", content: "x")])
        for streaming in [false, true] {
            let before = stalled.accepted
            let started = ContinuousClock.now
            let onToken: (@Sendable (String) async throws -> Void)? = streaming ? { @Sendable _ in } : nil
            let failure = await #expect(throws: TaskFailure.self) {
                _ = try await provider.complete(request, context: ModelCallContext(attempt: 1, onToken: onToken))
            }
            let elapsed = ContinuousClock.now - started
            #expect(failure?.code == "provider_timeout" && failure?.retryable == true, "\(failure?.code ?? "-"): \(failure?.message ?? "-")")
            #expect(failure?.message.contains("did not answer within 0.5 s") == true, "\(failure?.message ?? "")")
            // The request's timeout bounds the call, retries included: not the attempt's whole timeout.
            #expect(elapsed >= .milliseconds(450) && elapsed < .seconds(3), "streaming \(streaming): \(elapsed)")
            #expect(stalled.accepted - before >= 1, "the request reached the server")
        }
        await stalled.stop()
    }

    @Test("Ollama native chat: NDJSON tokens, tool calls, and the load / prompt / generation timings it reports")
    func ollamaChat() async throws {
        let server = ModelServer()
        await server.enqueue(
            .lines([
                ["model": "llama3.2", "message": ["role": "assistant", "content": "Hel"], "done": false],
                ["model": "llama3.2", "message": ["role": "assistant", "content": "lo"], "done": false],
                [
                    "model": "llama3.2", "message": ["role": "assistant", "content": ""], "done": true, "done_reason": "stop",
                    "total_duration": 2_456_000_000, "load_duration": 123_000_000, "prompt_eval_count": 156,
                    "prompt_eval_duration": 789_000_000, "eval_count": 89, "eval_duration": 1_544_000_000,
                ],
            ]),
            .lines([
                [
                    "message": ["role": "assistant", "content": "", "tool_calls": [["function": ["name": "add", "arguments": ["a": 1, "b": 2]]]]],
                    "done": true, "prompt_eval_count": 3, "eval_count": 1,
                ]
            ]))
        try await server.run { url in
            let provider = OllamaProvider(endpoint: ProviderEndpoint(name: "ollama", kind: .ollama, baseURL: url), client: TestClients.provider)
            let received = Received()
            let request = ModelRequest(
                model: "llama3.2", messages: [ChatMessage(role: "user", content: "hi", images: ["data:image/png;base64,iVBORw0KGgo="])],
                temperature: 0.5, maxTokens: 20, responseFormat: .json)
            let response = try await provider.complete(request, context: ModelCallContext(attempt: 1, onToken: { await received.add($0) }))
            let pieces = await received.pieces
            #expect(response.content == "Hello" && pieces == ["Hel", "lo"])
            #expect(response.promptTokens == 156 && response.completionTokens == 89)
            #expect(response.timings.load == 0.123 && response.timings.promptEval == 0.789 && response.timings.generation == 1.544)
            let sent = try #require(await server.requests.first)
            #expect(sent["options"] == ["temperature": 0.5, "num_predict": 20] && sent["format"] == "json")
            #expect(sent["messages"]?[0]?["images"] == ["iVBORw0KGgo="])

            let tools = try await provider.complete(request, context: ModelCallContext(attempt: 1))
            #expect(tools.toolCalls.first?.name == "add")
            #expect(try JSONText.decode(tools.toolCalls.first!.arguments) == ["a": 1, "b": 2])
        }
    }

    @Test("Ollama models: tags with capabilities from /api/show, health with version, pull progress")
    func ollamaModels() async throws {
        let server = ModelServer()
        await server.setTags([
            "models": [
                ["name": "llama3.2:latest", "size": 2_019_393_189, "modified_at": "2026-10-01T10:00:00Z", "digest": "a80c", "details": ["family": "llama"]],
                ["name": "llava:7b", "size": 4_733_363_377, "modified_at": "2026-10-02T10:00:00Z"],
            ]
        ])
        await server.setShow("llama3.2:latest", ["capabilities": ["completion", "tools"], "model_info": ["llama.context_length": 131_072]])
        await server.setShow("llava:7b", ["capabilities": ["completion", "vision"]])
        await server.setPull([["status": "pulling manifest"], ["status": "downloading", "digest": "sha256:1", "total": 100, "completed": 40], ["status": "success"]])
        try await server.run { url in
            let provider = OllamaProvider(endpoint: ProviderEndpoint(name: "ollama", kind: .ollama, baseURL: url), client: TestClients.provider)
            let models = try await provider.listModels()
            #expect(models.map(\.id) == ["ollama/llama3.2:latest", "ollama/llava:7b"])
            #expect(models[0].capabilities == ["text", "tools"] && models[0].contextLength == 131_072 && models[0].sizeBytes == 2_019_393_189)
            #expect(models[1].capabilities == ["text", "vision"])
            let health = await provider.health()
            #expect(health.isHealthy && health.detail == "ollama 0.9.0")
            let progress = Received()
            try await provider.pull(model: "llava:7b") { await progress.add($0["status"]?.stringValue ?? "") }
            #expect(await progress.pieces == ["pulling manifest", "downloading", "success"])
        }
        let down = OllamaProvider(endpoint: ProviderEndpoint(name: "ollama", kind: .ollama, baseURL: "http://127.0.0.1:1"), client: TestClients.provider)
        #expect(await down.health().status == "unhealthy")
    }

    /// The endpoints the `providers` area gives, from these environment variables only.
    func endpoints(_ environment: [String: String]) async throws -> [ProviderEndpoint] {
        let settings = try await Settings(areas: [ProviderConfiguration.settings], environment: environment)
        let values = try settings.area("providers") { try ProviderConfiguration.Values(config: $0) }
        return try ProviderConfiguration.endpoints(values, environment: environment)
    }

    @Test("Configuration: OpenAI key, Ollama URL, extra endpoints, prices; bad entries name their field")
    func configuration() async throws {
        let endpoints = try await self.endpoints([
            "OPENAI_API_KEY": "sk-1", "OLLAMA_HOST": "gpu:11434",
            "HANGAR_PROVIDERS": #"[{"name": "azure", "base_url": "https://x.openai.azure.com/openai/deployments/gpt", "api_key_env": "AZ", "auth_header": "api-key", "query": {"api-version": "2024-10-21"}}]"#,
            "AZ": "secret",
        ])
        #expect(endpoints.map(\.name) == ["azure", "ollama", "openai"])
        #expect(endpoints[0].apiKey == "secret" && endpoints[0].url("/chat/completions").hasSuffix("/chat/completions?api-version=2024-10-21"))
        #expect(endpoints[1].baseURL == "http://gpu:11434" && endpoints[2].baseURL == "https://api.openai.com/v1")
        await #expect(throws: HangarError.invalid(field: "HANGAR_PROVIDERS[0].base_url", message: "must be an http(s) URL")) {
            _ = try await self.endpoints(["HANGAR_PROVIDERS": #"[{"name": "x", "base_url": "ftp://x"}]"#])
        }
        // Not JSON at all (issue 24: "unexpected character at byte 0" named nothing): the variable and an example.
        let notJSON = await #expect(throws: HangarError.self) { _ = try await self.endpoints(["HANGAR_PROVIDERS": "vllm=http://x"]) }
        if case .invalid(let field, let message)? = notJSON {
            #expect(field == "HANGAR_PROVIDERS" && message.contains("is not JSON") && message.contains("{"), "\(message)")
        }
        let badPrices = #expect(throws: HangarError.self) { _ = try PriceTable.parse("vllm=1") }
        if case .invalid(let field, let message)? = badPrices {
            #expect(field == "HANGAR_MODEL_PRICES" && message.contains("is not JSON") && message.contains("{"), "\(message)")
        }
        let prices = try PriceTable.parse(#"{"openai/gpt-4o-mini": {"prompt": 1, "completion": 2}, "vllm/*": {"prompt": 0.5, "completion": 0.5}}"#)
        #expect(prices.cost(model: "openai/gpt-4o-mini", promptTokens: 1_000_000, completionTokens: 500_000) == 2)
        #expect(prices.cost(model: "vllm/qwen", promptTokens: 2_000_000, completionTokens: 0) == 1)
        #expect(prices.cost(model: "openai/gpt-4o-2024-08-06", promptTokens: 1_000_000, completionTokens: 0) == 2.5)  // default list price
        #expect(prices.cost(model: "ollama/llama3.2", promptTokens: 1_000_000, completionTokens: 1_000_000) == 0)
    }
}

/// Collects what a callback receives, in order.
actor Received {
    var pieces: [String] = []
    func add(_ piece: String) { pieces.append(piece) }
}

extension JSONValue {
    /// The n-th element of an array (tests only).
    subscript(_ index: Int) -> JSONValue? {
        guard let items = arrayValue, items.indices.contains(index) else { return nil }
        return items[index]
    }
}

enum TestClients {
    static let provider = ProviderConfiguration.makeHTTPClient()
}
