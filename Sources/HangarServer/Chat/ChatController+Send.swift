import Foundation
import HangarErrorText
import HangarAgents
import HangarCore
import HangarSSE
import HangarStore
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /api/v1/chat/sessions/{session_id}/messages`: `{"message": "…", "images": […]?, "stream": bool?}`.
///
/// The user's message is stored first (nothing accepted is lost), then the model is called
/// with the trimmed history (`ChatHistory`). On success the reply is stored with its tokens,
/// cost and metrics, and a usage record is appended (counted against the session's agent,
/// if any). A provider failure answers 502 and stores no reply.
extension ChatController {
    @Sendable func send(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let session = try await session(context)
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: ["message", "images", "stream"])
        guard let text = try body.string("message", maxLength: 1_000_000), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError.invalid("message", "is required (a non-empty string)")
        }
        let images = try parseImages(body)
        let stream = try body.bool("stream") ?? false
        guard session.status == .active else { throw Self.notActive(session) }
        if let agentID = session.agentID, let agent = try await store.agentGet(tenantID: context.tenantID, idOrName: agentID) {
            try await AgentBudget.check(store, agent: agent)
        }
        let userMessage: ChatMessageRecord
        do {
            userMessage = try await store.chatMessageAppend(
                ChatMessageAppendParams(
                    tenantID: context.tenantID, sessionID: session.id, role: "user", content: text, images: images, requireActive: true))
        } catch HangarError.conflict(_) {
            throw Self.notActive(session)
        }
        let history = try await store.chatMessageList(
            ChatMessageListParams(tenantID: context.tenantID, sessionID: session.id, beforeSeq: userMessage.seq + 1, limit: ChatHistory.maxMessages))
        let exchange = ChatExchange(store: store, models: models, session: session, history: history)
        guard stream else {
            do {
                return JSONResponse.make(try await exchange.run { _ in })
            } catch let failure as ChatProviderFailure {
                throw APIError(.badGateway, failure.detail)
            }
        }
        return Self.streamed(exchange)
    }

    /// `text/event-stream`: `token` events (`{"text"}`) as the model writes, then `done` with
    /// the same body the JSON answer has, or `error` (`{detail, status_code}`).
    static func streamed(_ exchange: ChatExchange) -> Response {
        let body = ResponseBody { writer in
            let (pieces, continuation) = AsyncStream<String>.makeStream()
            let call = Task { () -> Result<JSONValue, any Error> in
                defer { continuation.finish() }
                do {
                    return .success(try await exchange.run { piece in _ = continuation.yield(piece) })
                } catch {
                    return .failure(error)
                }
            }
            do {
                for await piece in pieces {
                    try await writer.write(ServerSentEvent("token", json: ["text": .string(piece)]))
                }
            } catch {
                // The client went away: stop the call (its message stays stored, without a reply).
                call.cancel()
                throw error
            }
            switch await call.value {
            case .success(let reply):
                try await writer.write(ServerSentEvent("done", json: reply))
            case .failure(let failure as ChatProviderFailure):
                try await writer.write(ServerSentEvent("error", json: ["detail": .string(failure.detail), "status_code": 502]))
            case .failure:
                try await writer.write(ServerSentEvent("error", json: ["detail": "internal error", "status_code": 500]))
            }
            try await writer.finish(nil)
        }
        return .eventStream(body)
    }

    static func notActive(_ session: ChatSessionRecord) -> APIError {
        APIError(.conflict, "chat session '\(session.id)' is \(session.status.rawValue); set its status to active to send messages")
    }

    /// For vision models: `data:` URLs, `https:` URLs or bare base64.
    private func parseImages(_ body: JSONBody) throws -> [String] {
        guard let value = body.fields["images"], value != .null else { return [] }
        guard case .array(let items) = value, items.count <= 16 else { throw APIError.invalid("images", "must be an array of at most 16 images") }
        return try items.enumerated().map { index, item in
            guard let image = item.stringValue, !image.isEmpty else {
                throw APIError.invalid("images[\(index)]", "must be a data: URL, an https: URL or base64 text")
            }
            return image
        }
    }
}

/// The model failed (or is not configured): 502, naming the provider's error.
struct ChatProviderFailure: Error {
    var detail: String
}

/// One model call of a session, from the stored history to the stored reply.
struct ChatExchange: Sendable {
    let store: any AgentStore & ChatStore & UsageStore
    let models: ModelCatalog
    let session: ChatSessionRecord
    /// Oldest first, ending with the user's new message.
    let history: [ChatMessageRecord]

    /// Returns the seed's reply shape. Throws `ChatProviderFailure` when the model call fails.
    func run(onToken: @escaping @Sendable (String) async throws -> Void) async throws -> JSONValue {
        let config = session.config.objectValue ?? [:]
        let (messages, characters) = ChatHistory.messages(
            systemPrompt: session.systemPrompt, history: history,
            contextTokens: config["context_tokens"]?.intValue ?? ChatHistory.defaultContextTokens)
        let response: ModelResponse
        let elapsed: Double
        do {
            let (provider, modelName) = try models.providers.resolve(session.model)
            let request = ModelRequest(
                model: modelName, messages: messages, temperature: config["temperature"]?.doubleValue,
                maxTokens: config["max_tokens"]?.intValue, options: config.filter { !ChatController.sessionConfigKeys.contains($0.key) })
            let started = ContinuousClock.now
            response = try await provider.tracedComplete(
                request, context: ModelCallContext(attempt: 1, onToken: onToken), provider: models.providers.split(session.model).provider)
            elapsed = (ContinuousClock.now - started).seconds
        } catch let error as CancellationError {
            throw error
        } catch let failure as TaskFailure {
            throw ChatProviderFailure(detail: "model provider for '\(session.model)' failed: \(failure.message) (\(failure.code))")
        } catch {
            throw ChatProviderFailure(detail: "model provider for '\(session.model)' failed: \(ErrorText.describe(error))")
        }
        let now = Date()
        let metrics = ChatMetrics.make(response: response, elapsed: elapsed, contextCharacters: characters, model: session.model, at: now)
        let cost = models.cost(model: session.model, promptTokens: response.promptTokens, completionTokens: response.completionTokens)
        let reply = try await store.chatMessageAppend(
            ChatMessageAppendParams(
                tenantID: session.tenantID, sessionID: session.id, role: "assistant", content: response.content, model: session.model,
                promptTokens: response.promptTokens, completionTokens: response.completionTokens, costUSD: cost, metrics: metrics))
        try await store.usageAppend(
            UsageRecord(
                tenantID: session.tenantID, agentID: session.agentID, chatSessionID: session.id, model: session.model,
                promptTokens: response.promptTokens, completionTokens: response.completionTokens, costUSD: cost, createdAt: now))
        return [
            "session_id": .string(session.id),
            "message_id": .string(reply.id),
            "response": .string(response.content),
            "model": .string(session.model),
            "performance_metrics": metrics,
        ]
    }
}
