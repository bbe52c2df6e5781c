/// Where a `CDPConnection`'s JSON texts travel: a WebSocket (attach mode, a remote Chrome's
/// `devtools_url`) or the pipe of a Chromium we launched (`--remote-debugging-pipe`, no port).
///
/// A transport is opened with two callbacks: every inbound text, in order, and — once — the
/// reason it ended. It delivers outbound texts in `send` order.
protocol CDPTransport: Sendable {
    /// Queues `text`; false when the transport is closed.
    @discardableResult
    func send(_ text: String) -> Bool
    /// Starts closing without waiting (for owners going away in `deinit`).
    func cancel()
    /// Sends what is queued, closes, and waits (boundedly) for the transport to end.
    func close() async
}

/// Opens a transport wired to a connection's inbound handlers.
typealias CDPTransportOpener = @Sendable (
    _ onText: @escaping @Sendable (String) -> Void,
    _ onClose: @escaping @Sendable (String) -> Void
) async throws -> any CDPTransport

extension TextWebSocket: CDPTransport {}
