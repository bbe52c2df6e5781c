import HangarTimers
import HummingbirdWSClient
import HangarErrorText
import Logging

/// A client WebSocket for JSON-over-text protocols: frames go out in `send` order, every
/// inbound text frame is handed to `onText`, and `onClose` runs once when the socket ends.
final class TextWebSocket: Sendable {
    private let outgoing = OutgoingTexts()

    private init() {}

    static func connect(
        url: String,
        maxMessageSize: Int = 1 << 24,
        timeout: Duration,
        logger: Logger,
        proxyPort: Int? = nil,
        onText: @escaping @Sendable (String) -> Void,
        onClose: @escaping @Sendable (String) -> Void
    ) async throws -> TextWebSocket {
        let socket = TextWebSocket()
        let stream = socket.outgoing.stream
        let opened = OneShot<Void>()
        let task = Task {
            var reason = "closed by the server"
            do {
                let handler: WebSocketDataHandler<WebSocketClient.Context> = { inbound, outbound, _ in
                    opened.succeed(())
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await text in stream { try await outbound.write(.text(text)) }
                        }
                        group.addTask {
                            for try await message in inbound.messages(maxSize: maxMessageSize) {
                                if case .text(let text) = message { onText(text) }
                            }
                        }
                        _ = try await group.next()
                        group.cancelAll()
                    }
                }
                let configuration = WebSocketClientConfiguration(maxFrameSize: maxMessageSize)
                if let proxyPort {
                    // Through a SOCKS5 egress proxy, which resolves and checks the host itself.
                    let proxy = WebSocketProxySettings(host: "127.0.0.1", port: proxyPort, type: .socks)
                    try await WebSocketClient.connect(url: url, configuration: configuration, proxySettings: proxy, logger: logger, handler: handler)
                } else {
                    try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger, handler: handler)
                }
            } catch {
                reason = ErrorText.describe(error)
            }
            opened.fail(WebSocketOpenError(reason: reason))
            socket.outgoing.markClosed()
            onClose(reason)
        }
        socket.outgoing.attach(task)
        let timer = Task {
            try? await Timers.sleep(for: timeout)
            opened.fail(WebSocketOpenError(reason: "no handshake within \(timeout)"))
        }
        defer { timer.cancel() }
        do {
            try await opened.value()
        } catch {
            task.cancel()
            throw error
        }
        return socket
    }

    /// Queues `text`; false when the socket is closed.
    @discardableResult
    func send(_ text: String) -> Bool { outgoing.send(text) }

    var isClosed: Bool { outgoing.isClosed }

    /// Starts closing without waiting (for owners going away in `deinit`).
    func cancel() { outgoing.cancel() }

    /// Sends what is queued, closes, and waits (at most 2 s) for the socket to end.
    func close() async { await outgoing.close() }
}

struct WebSocketOpenError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
