/// What one TCP connection to the API may cost the server before it is cut off: the size of a
/// request head, the time to send one, the time a keep-alive connection may sit idle, and how
/// many connections one client address may hold open. Without them a client holds file
/// descriptors and memory for as long as it likes (slowloris) or makes the server buffer an
/// unbounded request head.
public struct HTTPConnectionLimits: Sendable, Hashable {
    /// Largest request line plus header fields; beyond it 431 (414 while still in the request
    /// line) and the connection is closed.
    public var maxHeaderBytes: Int
    /// Time from a connection's start, or from the first byte of a later request, until the
    /// request head is complete; then the connection is closed (408 if a partial head came).
    public var headerTimeout: Duration
    /// Time a keep-alive connection may wait for its next request.
    public var idleTimeout: Duration
    /// Open connections per client address; more are closed as they are accepted. Behind a
    /// reverse proxy every client has the proxy's address: raise it there.
    public var maxConnectionsPerClient: Int

    public init(
        maxHeaderBytes: Int = 32 * 1024, headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60),
        maxConnectionsPerClient: Int = 256
    ) {
        self.maxHeaderBytes = maxHeaderBytes
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.maxConnectionsPerClient = maxConnectionsPerClient
    }
}
