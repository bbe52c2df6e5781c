import Foundation
import HangarCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A local stand-in for the Telegram Bot API, speaking its wire protocol: `POST
/// /bot{token}/{method}` with a JSON body, answered `{"ok": true, "result": …}` or `{"ok":
/// false, "error_code", "description", "parameters"}`. It knows `getMe`, `setWebhook`,
/// `deleteWebhook`, `getWebhookInfo`, `sendMessage` and `sendChatAction`, records every call,
/// refuses unknown or revoked tokens with 401 as Telegram does, refuses Markdown it cannot
/// parse (an odd number of `*` or `_`) and messages over 4,096 characters with 400, and can be
/// told to fail the next calls of a method (429 with `retry_after`, 500).
public actor FakeTelegram {
    public struct Call: Sendable {
        public var token: String
        public var method: String
        public var body: JSONValue
        public var status: Int
        public var at = ContinuousClock.now
    }

    public enum Fault: Sendable {
        case tooManyRequests(retryAfter: Int)
        case serverError
    }

    public private(set) var calls: [Call] = []
    private var tokens: Set<String>
    private var faults: [String: [Fault]] = [:]
    private var webhook: String = ""

    public init(tokens: Set<String>) {
        self.tokens = tokens
    }

    /// Calls of `method` (every answer).
    public func calls(_ method: String) -> [Call] { calls.filter { $0.method == method } }
    /// Messages Telegram accepted, in order.
    public var delivered: [Call] { calls.filter { $0.method == "sendMessage" && $0.status == 200 } }

    public func revoke(_ token: String) { tokens.remove(token) }
    public func allow(_ token: String) { tokens.insert(token) }
    public func fail(_ method: String, with faults: [Fault]) { self.faults[method, default: []] += faults }

    func handle(token: String, method: String, body: JSONValue) -> (Int, JSONValue) {
        let (status, answer) = answer(token: token, method: method, body: body)
        calls.append(Call(token: token, method: method, body: body, status: status))
        return (status, answer)
    }

    private func answer(token: String, method: String, body: JSONValue) -> (Int, JSONValue) {
        func error(_ code: Int, _ description: String, retryAfter: Int? = nil) -> (Int, JSONValue) {
            var fields: [String: JSONValue] = ["ok": false, "error_code": .int(Int64(code)), "description": .string(description)]
            if let retryAfter { fields["parameters"] = ["retry_after": .int(Int64(retryAfter))] }
            return (code, .object(fields))
        }
        guard tokens.contains(token) else { return error(401, "Unauthorized") }
        if var pending = faults[method], !pending.isEmpty {
            let fault = pending.removeFirst()
            faults[method] = pending
            switch fault {
            case .tooManyRequests(let seconds): return error(429, "Too Many Requests: retry after \(seconds)", retryAfter: seconds)
            case .serverError: return error(500, "Internal Server Error")
            }
        }
        switch method {
        case "getMe":
            let id = Int64(token.split(separator: ":").first ?? "") ?? 1
            return (200, ["ok": true, "result": ["id": .int(id), "is_bot": true, "first_name": "Fake", "username": "fake_bot"]])
        case "setWebhook":
            guard let url = body["url"]?.stringValue else { return error(400, "Bad Request: bad webhook: URL is required") }
            webhook = url
            return (200, ["ok": true, "result": true, "description": "Webhook was set"])
        case "deleteWebhook":
            webhook = ""
            return (200, ["ok": true, "result": true, "description": "Webhook was deleted"])
        case "getWebhookInfo":
            return (200, ["ok": true, "result": ["url": .string(webhook), "pending_update_count": 0]])
        case "sendChatAction":
            guard body["chat_id"] != nil else { return error(400, "Bad Request: chat_id is empty") }
            return (200, ["ok": true, "result": true])
        case "sendMessage":
            guard body["chat_id"] != nil, let text = body["text"]?.stringValue, !text.isEmpty else {
                return error(400, "Bad Request: message text is empty")
            }
            if text.utf16.count > 4096 { return error(400, "Bad Request: message is too long") }
            if body["parse_mode"]?.stringValue == "Markdown", text.filter({ $0 == "*" }).count % 2 == 1 || text.filter({ $0 == "_" }).count % 2 == 1 {
                return error(400, "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 0")
            }
            return (200, ["ok": true, "result": ["message_id": .int(Int64(calls.count + 1)), "chat": ["id": body["chat_id"]!], "text": .string(text)]])
        default:
            return error(404, "Not Found")
        }
    }

    /// Serves on a free loopback port for the duration of `body`, which gets the API's base URL.
    public func run(_ body: @Sendable (_ apiURL: String) async throws -> Void) async throws {
        let router = Router()
        router.post("{bot}/{method}") { request, context -> Response in
            let bot = try context.parameters.require("bot")
            let method = try context.parameters.require("method")
            guard bot.hasPrefix("bot") else { return Response(status: .notFound) }
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let json = (try? JSONText.decode(bytes: Array(bytes.readableBytesView))) ?? .emptyObject
            let (status, answer) = await self.handle(token: String(bot.dropFirst(3)), method: method, body: json)
            return Response(
                status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: JSONText.encode(answer))))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)")
        }
    }
}
