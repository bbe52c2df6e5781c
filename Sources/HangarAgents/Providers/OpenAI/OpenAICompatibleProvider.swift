public import AsyncHTTPClient
import Foundation
import HangarCore
import HangarSSE
public import Logging
import NIOCore
import NIOHTTP1

/// Any server speaking OpenAI's chat-completions API: OpenAI, Azure OpenAI, Ollama's `/v1`,
/// vLLM, llama.cpp server, LiteLLM. Streams over SSE when the caller wants tokens, and
/// always asks for usage; tool calls, images and structured output pass through.
public struct OpenAICompatibleProvider: ModelProvider {
    public let endpoint: ProviderEndpoint
    let http: ProviderHTTP

    public init(endpoint: ProviderEndpoint, client: HTTPClient, logger: Logger = Logger(label: "hangar.provider")) {
        self.endpoint = endpoint
        self.http = ProviderHTTP(endpoint: endpoint, client: client, logger: logger)
    }

    public func complete(_ request: ModelRequest, context: ModelCallContext) async throws -> ModelResponse {
        let stream = context.onToken != nil
        let body = JSONText.encode(OpenAIWire.body(request, stream: stream))
        let url = endpoint.url("/chat/completions")
        let headers = requestHeaders(apiKey: context.apiKey)
        let started = ContinuousClock.now
        let onToken = context.onToken
        let result = try await http.perform(timeout: context.timeout) {
            var http = HTTPClientRequest(url: url)
            http.method = .POST
            http.headers = headers
            http.headers.add(name: "Content-Type", value: "application/json")
            if stream { http.headers.add(name: "Accept", value: "text/event-stream") }
            http.body = .bytes(ByteBuffer(string: body))
            return http
        } read: { response in
            var accumulator = OpenAIWire.Accumulator()
            var firstToken: ContinuousClock.Instant?
            var lastToken: ContinuousClock.Instant?
            let isStream = response.headers.first(name: "content-type")?.lowercased().contains("text/event-stream") ?? false
            if isStream {
                for try await event in response.body.serverSentEvents() {
                    let data = event.data.trimmingCharacters(in: .whitespacesAndNewlines)
                    if data == "[DONE]" { break }
                    guard !data.isEmpty else { continue }
                    let chunk: JSONValue
                    do { chunk = try JSONText.decode(data) } catch {
                        throw TaskFailure(code: "provider_bad_response", message: "provider '\(endpoint.name)' sent a stream chunk that is not JSON: \(data.prefix(200))", retryable: true)
                    }
                    if let error = chunk["error"], error.objectValue != nil || error.stringValue != nil {
                        throw TaskFailure(
                            code: "provider_error", message: "provider '\(endpoint.name)' failed mid-stream: \(error["message"]?.stringValue ?? error.stringValue ?? "error")",
                            retryable: true)
                    }
                    if let text = accumulator.apply(chunk: chunk) {
                        let now = ContinuousClock.now
                        if firstToken == nil { firstToken = now }
                        lastToken = now
                        try await onToken?(text)
                    }
                }
            } else {
                let buffer = try await response.body.collect(upTo: 32 << 20)
                let json: JSONValue
                do { json = try JSONText.decode(bytes: buffer.bytes) } catch {
                    throw TaskFailure(code: "provider_bad_response", message: "provider '\(endpoint.name)' answered with something that is not JSON", retryable: true)
                }
                try accumulator.apply(response: json)
                // A server that ignores `stream` still gives the whole answer once.
                if let onToken, !accumulator.content.isEmpty { try await onToken(accumulator.content) }
            }
            return (accumulator, firstToken, lastToken)
        }
        let (accumulator, firstToken, lastToken) = result
        let total = (ContinuousClock.now - started).seconds
        var timings = ModelTimings(total: total)
        if let firstToken {
            timings.firstToken = (firstToken - started).seconds
            if let lastToken { timings.generation = (lastToken - firstToken).seconds }
        }
        if let prompt = accumulator.promptMillis { timings.promptEval = prompt / 1000 }
        if let predicted = accumulator.predictedMillis { timings.generation = predicted / 1000 }

        let reported = accumulator.promptTokens != nil && accumulator.completionTokens != nil
        let promptTokens = accumulator.promptTokens ?? TokenEstimate.count(request.messages)
        let completionTokens = accumulator.completionTokens ?? TokenEstimate.count(accumulator.content + accumulator.toolCalls.map(\.arguments).joined())
        return ModelResponse(
            content: accumulator.content, promptTokens: promptTokens, completionTokens: completionTokens,
            finishReason: accumulator.finishReason ?? (accumulator.toolCalls.isEmpty ? "stop" : "tool_calls"), toolCalls: accumulator.toolCalls,
            timings: timings, usageReported: reported)
    }

    public func listModels() async throws -> [ModelInfo] {
        let url = endpoint.url("/models")
        let headers = requestHeaders(apiKey: nil)
        let json = try await http.perform(timeout: .seconds(15)) {
            var request = HTTPClientRequest(url: url)
            request.headers = headers
            return request
        } read: { response in
            try JSONText.decode(bytes: try await response.body.collect(upTo: 8 << 20).bytes)
        }
        return (json["data"]?.arrayValue ?? []).compactMap { entry in
            guard let id = entry["id"]?.stringValue else { return nil }
            return ModelInfo(
                provider: endpoint.name, name: id, capabilities: ModelCapabilities.guess(id),
                contextLength: entry["context_length"]?.intValue ?? entry["max_model_len"]?.intValue,
                details: ["owned_by": entry["owned_by"] ?? .null])
        }
    }

    public func health() async -> ProviderHealth {
        let snapshot = await http.breaker.snapshot()
        if snapshot.state == "open" {
            return ProviderHealth(status: "circuit_open", detail: snapshot.lastError)
        }
        let started = ContinuousClock.now
        do {
            _ = try await listModels()
            return ProviderHealth(status: "healthy", latencySeconds: (ContinuousClock.now - started).seconds)
        } catch {
            return .failing(error)
        }
    }

    func requestHeaders(apiKey: String?) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if let key = apiKey ?? endpoint.apiKey, !key.isEmpty {
            headers.add(name: endpoint.authHeader, value: endpoint.authHeader.lowercased() == "authorization" ? "Bearer \(key)" : key)
        }
        for (name, value) in endpoint.headers { headers.add(name: name, value: value) }
        return headers
    }
}

/// What a model can do, guessed from its name when the server does not say (OpenAI's
/// `/models` does not): documented in docs/llm.md, overridable per provider.
enum ModelCapabilities {
    static func guess(_ name: String) -> [String] {
        let lower = name.lowercased()
        if lower.contains("embed") { return ["embeddings"] }
        var capabilities = ["text"]
        let vision = ["vision", "gpt-4o", "gpt-4.1", "gpt-5", "llava", "-vl", "vl-", "pixtral", "gemma3", "showui", "qwen2.5vl", "minicpm-v", "moondream"]
        if vision.contains(where: lower.contains) { capabilities.append("vision") }
        let tools = ["gpt-", "llama3.1", "llama3.2", "llama3.3", "qwen", "mistral", "mixtral", "command-r", "hermes", "granite"]
        if tools.contains(where: lower.contains) { capabilities.append("tools") }
        return capabilities
    }
}

/// Hangar's estimate when a server reports no usage: about four characters a token.
enum TokenEstimate {
    static func count(_ text: String) -> Int { text.isEmpty ? 0 : max(1, (text.utf8.count + 3) / 4) }
    static func count(_ messages: [ChatMessage]) -> Int {
        messages.reduce(0) { $0 + 4 + count($1.content) + $1.toolCalls.reduce(0) { $0 + count($1.arguments) } }
    }
}
