import HangarCore

/// One tab over a DevTools connection: commands carry the tab's flattened `sessionId`
/// (nil when the socket itself is the page's).
public struct CDPPage: Sendable {
    public let connection: CDPConnection
    public let sessionId: String?

    public init(connection: CDPConnection, sessionId: String?) {
        self.connection = connection
        self.sessionId = sessionId
    }

    @discardableResult
    public func send(_ method: String, _ params: [String: JSONValue] = [:], timeout: Duration? = nil) async throws -> JSONValue {
        try await connection.send(method, params, sessionId: sessionId, timeout: timeout)
    }

    /// Evaluates `expression` in the page and returns its value as JSON (promises awaited).
    @discardableResult
    public func evaluate(_ expression: String) async throws -> JSONValue {
        let reply = try await send(
            "Runtime.evaluate",
            ["expression": .string(expression), "returnByValue": true, "awaitPromise": true])
        if let details = reply["exceptionDetails"] {
            let text = details["exception"]?["description"]?.stringValue ?? details["text"]?.stringValue ?? "exception"
            throw CDPError.javascriptException(text)
        }
        return reply["result"]?["value"] ?? .null
    }
}
