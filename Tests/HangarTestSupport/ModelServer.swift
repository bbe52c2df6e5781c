import Foundation
public import HangarCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A local server speaking OpenAI's chat-completions protocol and Ollama's native API,
/// answering from a script: each `POST /v1/chat/completions` or `/api/chat` takes the next
/// reply. It records what it was sent, so tests check the client's requests too.
public actor ModelServer {
    public enum Reply: Sendable {
        /// A whole JSON answer (non-streaming).
        case json(JSONValue)
        /// SSE chunks (`data: …`), then `data: [DONE]`.
        case stream([JSONValue])
        /// NDJSON lines (Ollama).
        case lines([JSONValue])
        case status(Int, headers: [String: String] = [:], body: JSONValue)
    }

    public private(set) var requests: [JSONValue] = []
    public private(set) var headers: [[String: String]] = []
    private var script: [Reply] = []
    var tags: JSONValue = ["models": []]
    var show: [String: JSONValue] = [:]
    var pullLines: [JSONValue] = []

    public init() {}

    public func enqueue(_ replies: Reply...) { script += replies }
    public func setTags(_ value: JSONValue) { tags = value }
    public func setShow(_ model: String, _ value: JSONValue) { show[model] = value }
    public func setPull(_ lines: [JSONValue]) { pullLines = lines }
    public var remaining: Int { script.count }

    private func next(_ body: JSONValue, _ request: Request) -> Reply {
        requests.append(body)
        var seen: [String: String] = [:]
        for field in request.headers { seen[field.name.canonicalName.lowercased()] = field.value }
        headers.append(seen)
        return script.isEmpty ? .status(500, body: ["error": ["message": "script exhausted"]]) : script.removeFirst()
    }

    nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/v1/chat/completions") { request, context in try await self.answer(request, context: context) }
        router.post("/api/chat") { request, context in try await self.answer(request, context: context) }
        router.get("/v1/models") { _, _ in
            Self.json(["object": "list", "data": [["id": "gpt-4o-mini", "object": "model", "owned_by": "openai"], ["id": "text-embedding-3-small", "object": "model"]]])
        }
        router.get("/api/tags") { _, _ in Self.json(await self.tags) }
        router.get("/api/version") { _, _ in Self.json(["version": "0.9.0"]) }
        router.post("/api/show") { request, context in
            let body = try JSONText.decode(bytes: Array(try await request.body.collect(upTo: 1 << 20).readableBytesView))
            guard let value = await self.show[body["model"]?.stringValue ?? ""] else { return Self.json(["error": "model not found"], status: .notFound) }
            return Self.json(value)
        }
        router.post("/api/pull") { _, _ in
            let lines = await self.pullLines
            return Response(
                status: .ok, headers: [.contentType: "application/x-ndjson"],
                body: ResponseBody { writer in
                    for line in lines { try await writer.write(ByteBuffer(string: JSONText.encode(line) + "\n")) }
                    try await writer.finish(nil)
                })
        }
        return router
    }

    private func answer(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let body = try JSONText.decode(bytes: Array(try await request.body.collect(upTo: 8 << 20).readableBytesView))
        switch next(body, request) {
        case .json(let value):
            return Self.json(value)
        case .status(let code, let headers, let value):
            var fields = HTTPFields()
            for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
            return Self.json(value, status: HTTPResponse.Status(code: code), headers: fields)
        case .stream(let chunks):
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream"],
                body: ResponseBody { writer in
                    for chunk in chunks {
                        // Split one event across two writes: the client must reassemble.
                        let text = "data: \(JSONText.encode(chunk))\n\n"
                        let middle = text.index(text.startIndex, offsetBy: text.count / 2)
                        try await writer.write(ByteBuffer(string: String(text[..<middle])))
                        try await writer.write(ByteBuffer(string: String(text[middle...])))
                    }
                    try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                    try await writer.finish(nil)
                })
        case .lines(let lines):
            return Response(
                status: .ok, headers: [.contentType: "application/x-ndjson"],
                body: ResponseBody { writer in
                    for line in lines { try await writer.write(ByteBuffer(string: JSONText.encode(line) + "\n")) }
                    try await writer.finish(nil)
                })
        }
    }

    nonisolated static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: JSONText.encode(value))))
    }

    /// Runs the server on a free loopback port for the duration of `body`.
    public func run(_ body: @Sendable (_ url: String) async throws -> Void) async throws {
        let app = Application(router: router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)")
        }
    }

    // MARK: OpenAI answers

    public static func completion(_ content: String?, toolCalls: [(id: String, name: String, arguments: String)] = [], prompt: Int = 11, completion: Int = 7)
        -> JSONValue
    {
        var message: [String: JSONValue] = ["role": "assistant", "content": content.map(JSONValue.string) ?? .null]
        if !toolCalls.isEmpty {
            message["tool_calls"] = .array(
                toolCalls.map { ["id": .string($0.id), "type": "function", "function": ["name": .string($0.name), "arguments": .string($0.arguments)]] })
        }
        return [
            "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
            "choices": [["index": 0, "message": .object(message), "finish_reason": toolCalls.isEmpty ? "stop" : "tool_calls"]],
            "usage": ["prompt_tokens": .int(Int64(prompt)), "completion_tokens": .int(Int64(completion)), "total_tokens": .int(Int64(prompt + completion))],
        ]
    }

    /// Stream chunks for `pieces`, then a usage-only chunk (as with `include_usage`).
    public static func streamed(_ pieces: [String], prompt: Int = 5, completion: Int? = nil) -> [JSONValue] {
        var chunks: [JSONValue] = [["choices": [["index": 0, "delta": ["role": "assistant", "content": ""]]]]]
        for piece in pieces { chunks.append(["choices": [["index": 0, "delta": ["content": .string(piece)]]]]) }
        chunks.append(["choices": [["index": 0, "delta": [:], "finish_reason": "stop"]]])
        chunks.append([
            "choices": [], "usage": ["prompt_tokens": .int(Int64(prompt)), "completion_tokens": .int(Int64(completion ?? pieces.count))],
        ])
        return chunks
    }
}

