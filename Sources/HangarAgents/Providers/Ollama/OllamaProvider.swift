public import AsyncHTTPClient
import Foundation
public import HangarCore
public import Logging
import NIOCore
import NIOHTTP1

/// Ollama through its native API, for what only it offers: load / prompt-evaluation /
/// generation timings on every answer, model listing with capabilities, pulling models.
/// Chat goes to `POST /api/chat` (NDJSON stream); tools and images are supported there.
public struct OllamaProvider: ModelProvider {
    public let endpoint: ProviderEndpoint
    let http: ProviderHTTP

    public init(endpoint: ProviderEndpoint, client: HTTPClient, logger: Logger = Logger(label: "hangar.provider")) {
        self.endpoint = endpoint
        self.http = ProviderHTTP(endpoint: endpoint, client: client, logger: logger)
    }

    public func complete(_ request: ModelRequest, context: ModelCallContext) async throws -> ModelResponse {
        let body = JSONText.encode(try Self.chatBody(request))
        let started = ContinuousClock.now
        let onToken = context.onToken
        let name = endpoint.name
        let (content, toolCalls, final, firstToken, lastToken) = try await http.perform(timeout: context.timeout) {
            post(endpoint.url("/api/chat"), body)
        } read: { response in
            var content = ""
            var toolCalls: [ToolCall] = []
            var final: JSONValue = .emptyObject
            var firstToken: ContinuousClock.Instant?
            var lastToken: ContinuousClock.Instant?
            for try await line in response.body.lines() {
                guard let chunk = try? JSONText.decode(bytes: line) else {
                    throw TaskFailure(code: "provider_bad_response", message: "provider '\(name)' sent a line that is not JSON", retryable: true)
                }
                if let error = chunk["error"]?.stringValue {
                    throw TaskFailure(code: "provider_error", message: "provider '\(name)' failed: \(error)", retryable: true)
                }
                let message = chunk["message"]
                for call in message?["tool_calls"]?.arrayValue ?? [] {
                    let function = call["function"]
                    toolCalls.append(
                        ToolCall(
                            id: call["id"]?.stringValue ?? "call_\(toolCalls.count)", name: function?["name"]?.stringValue ?? "",
                            arguments: OpenAIWire.Accumulator.arguments(function?["arguments"])))
                }
                if let text = message?["content"]?.stringValue, !text.isEmpty {
                    let now = ContinuousClock.now
                    if firstToken == nil { firstToken = now }
                    lastToken = now
                    content += text
                    try await onToken?(text)
                }
                if chunk["done"]?.boolValue == true { final = chunk }
            }
            return (content, toolCalls, final, firstToken, lastToken)
        }
        var timings = ModelTimings(total: (ContinuousClock.now - started).seconds)
        if let firstToken { timings.firstToken = (firstToken - started).seconds }
        // Ollama reports nanoseconds.
        timings.load = final["load_duration"]?.doubleValue.map { $0 / 1e9 }
        timings.promptEval = final["prompt_eval_duration"]?.doubleValue.map { $0 / 1e9 }
        timings.generation = final["eval_duration"]?.doubleValue.map { $0 / 1e9 }
            ?? firstToken.flatMap { first in lastToken.map { ($0 - first).seconds } }
        let promptTokens = final["prompt_eval_count"]?.intValue
        let completionTokens = final["eval_count"]?.intValue
        return ModelResponse(
            content: content, promptTokens: promptTokens ?? TokenEstimate.count(request.messages),
            completionTokens: completionTokens ?? TokenEstimate.count(content),
            finishReason: toolCalls.isEmpty ? (final["done_reason"]?.stringValue ?? "stop") : "tool_calls", toolCalls: toolCalls,
            timings: timings, usageReported: promptTokens != nil && completionTokens != nil)
    }

    static func chatBody(_ request: ModelRequest) throws -> JSONValue {
        var options: [String: JSONValue] = [:]
        if let temperature = request.temperature { options["temperature"] = .double(temperature) }
        if let maxTokens = request.maxTokens { options["num_predict"] = .int(Int64(maxTokens)) }
        if let context = request.options["num_ctx"] { options["num_ctx"] = context }
        var body: [String: JSONValue] = [
            "model": .string(request.model), "stream": true, "options": .object(options),
            "messages": .array(try request.messages.map(message)),
        ]
        if let keepAlive = request.options["keep_alive"] { body["keep_alive"] = keepAlive }
        if !request.tools.isEmpty {
            body["tools"] = .array(
                request.tools.map { ["type": "function", "function": ["name": .string($0.name), "description": .string($0.description), "parameters": $0.parameters]] })
        }
        switch request.responseFormat {
        case .text: break
        case .json: body["format"] = "json"
        case .jsonSchema(_, let schema): body["format"] = schema
        }
        return .object(body)
    }

    static func message(_ message: ChatMessage) throws -> JSONValue {
        var fields: [String: JSONValue] = ["role": .string(message.role), "content": .string(message.content)]
        if !message.images.isEmpty {
            fields["images"] = .array(
                try message.images.map { image in
                    if image.hasPrefix("http://") || image.hasPrefix("https://") {
                        throw TaskFailure(code: "invalid_input", message: "Ollama takes images inline (base64 or data: URLs), not by URL", retryable: false)
                    }
                    if image.hasPrefix("data:"), let comma = image.firstIndex(of: ",") { return .string(String(image[image.index(after: comma)...])) }
                    return .string(image)
                })
        }
        if !message.toolCalls.isEmpty {
            fields["tool_calls"] = .array(
                message.toolCalls.map { call in
                    ["function": ["name": .string(call.name), "arguments": (try? JSONText.decode(call.arguments)) ?? .emptyObject]]
                })
        }
        if message.role == "tool", let name = message.name { fields["tool_name"] = .string(name) }
        return .object(fields)
    }

    // MARK: Native model management

    /// The names of the models Ollama has: `GET /api/tags` alone (no `/api/show` per model),
    /// for answers that need only the names or their count.
    public func modelNames() async throws -> [String] {
        try await getJSON("/api/tags")["models"]?.arrayValue?.compactMap { $0["name"]?.stringValue ?? $0["model"]?.stringValue } ?? []
    }

    /// `GET /api/tags`, with each model's capabilities from `POST /api/show` (Ollama ≥ 0.6
    /// reports them; older servers get a guess from the name).
    public func listModels() async throws -> [ModelInfo] {
        let tags = try await getJSON("/api/tags")
        var models: [ModelInfo] = []
        for entry in tags["models"]?.arrayValue ?? [] {
            guard let name = entry["name"]?.stringValue ?? entry["model"]?.stringValue else { continue }
            let show = try? await postJSON("/api/show", ["model": .string(name)])
            var capabilities = ModelCapabilities.guess(name)
            if let reported = show?["capabilities"]?.arrayValue?.compactMap(\.stringValue), !reported.isEmpty {
                capabilities = reported.map { ["completion": "text", "embedding": "embeddings"][$0] ?? $0 }
            }
            let contextLength = show?["model_info"]?.objectValue?.first { $0.key.hasSuffix(".context_length") }?.value.intValue
            models.append(
                ModelInfo(
                    provider: endpoint.name, name: name, capabilities: capabilities, sizeBytes: entry["size"]?.intValue.map(Int64.init),
                    contextLength: contextLength, modifiedAt: entry["modified_at"]?.stringValue,
                    details: ["digest": entry["digest"] ?? .null, "details": entry["details"] ?? .emptyObject]))
        }
        return models
    }

    public func health() async -> ProviderHealth {
        let snapshot = await http.breaker.snapshot()
        if snapshot.state == "open" { return ProviderHealth(status: "circuit_open", detail: snapshot.lastError) }
        let started = ContinuousClock.now
        do {
            let version = try await getJSON("/api/version", timeout: .seconds(3))
            return ProviderHealth(
                status: "healthy", detail: version["version"]?.stringValue.map { "ollama \($0)" },
                latencySeconds: (ContinuousClock.now - started).seconds)
        } catch {
            return .failing(error)
        }
    }

    /// `POST /api/pull`, reporting each progress line (`status`, `digest`, `total`,
    /// `completed`) as it arrives. Throws when Ollama reports an error.
    public func pull(model: String, onProgress: @escaping @Sendable (JSONValue) async throws -> Void) async throws {
        let body = JSONText.encode(["model": .string(model), "stream": true])
        let name = endpoint.name
        try await http.perform(timeout: .seconds(6 * 3600)) {
            post(endpoint.url("/api/pull"), body)
        } read: { response in
            for try await line in response.body.lines() {
                guard let progress = try? JSONText.decode(bytes: line) else { continue }
                if let error = progress["error"]?.stringValue {
                    throw TaskFailure(code: "pull_failed", message: "provider '\(name)' could not pull '\(model)': \(error)", retryable: false)
                }
                try await onProgress(progress)
            }
        }
    }

    func getJSON(_ path: String, timeout: Duration = .seconds(15)) async throws -> JSONValue {
        let url = endpoint.url(path)
        return try await http.perform(timeout: timeout) {
            HTTPClientRequest(url: url)
        } read: { response in
            try JSONText.decode(bytes: try await response.body.collect(upTo: 16 << 20).bytes)
        }
    }

    func postJSON(_ path: String, _ body: JSONValue) async throws -> JSONValue {
        let text = JSONText.encode(body)
        return try await http.perform(timeout: .seconds(15)) {
            post(endpoint.url(path), text)
        } read: { response in
            try JSONText.decode(bytes: try await response.body.collect(upTo: 16 << 20).bytes)
        }
    }

    private func post(_ url: String, _ body: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let key = endpoint.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        request.body = .bytes(ByteBuffer(string: body))
        return request
    }
}
