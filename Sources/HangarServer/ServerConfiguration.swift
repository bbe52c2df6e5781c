import HangarBots

/// Everything the HTTP layer needs to know, with the defaults a quickstart wants.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Largest request body accepted (413 beyond it).
    public var maxBodyBytes: Int
    public var defaultTimeoutSeconds: Double
    public var defaultMaxAttempts: Int
    /// The model of a chat session created without one (`HANGAR_CHAT_DEFAULT_MODEL`); `nil`:
    /// the model is required. Never the mock by default: it answers with the input.
    public var chatDefaultModel: String?
    /// The agent that seed 000's tasks without `agent_id` go to (`HANGAR_DEFAULT_BROWSER_AGENT`).
    public var defaultBrowserAgent = "browser"
    /// With it, that agent is created on first use (`HANGAR_DEFAULT_BROWSER_MODEL`); without,
    /// such a task is refused until an operator creates the agent.
    public var defaultBrowserModel: String?
    /// How often an idle SSE stream sends a keep-alive comment.
    public var sseKeepAlive: Duration
    public var rateLimits: RateLimits
    /// The security level's limits (agent definitions, timeouts, tool and network rules).
    public var security: SecurityPolicy
    /// Live endpoints' connection, message-rate, idle and buffer limits.
    public var webSockets: WebSocketLimits
    /// Open server-sent event streams per caller, per tenant and in all (429 beyond them).
    public var eventStreams = ConnectionLimits.eventStreamDefaults
    /// Request-head size and time, keep-alive idle time, connections per client address.
    public var connections = HTTPConnectionLimits()
    /// Proxies whose `X-Forwarded-For` / `Forwarded` name the client (`HANGAR_TRUSTED_PROXIES`);
    /// none by default, so the client is the socket peer.
    public var trustedProxies = TrustedProxies.none
    /// `GET /metrics` without a credential (`HANGAR_METRICS_PUBLIC=true`), for scrapers;
    /// otherwise it needs the viewer role like `GET /api/v1/metrics`.
    public var metricsPublic = false
    /// One log line per request at info (`HANGAR_LOG_REQUESTS=true`); at debug otherwise.
    public var logRequests = false
    /// Whose file system `GET /api/v1/system/metrics/disk` reports first (the data directory).
    public var dataDirectory = "."
    /// A server span per request (the process bootstrapped an OpenTelemetry tracer; see
    /// docs/observability.md). Off, no tracing middleware runs at all.
    public var tracing = false
    /// Bots' public URL, their platforms' addresses and webhook rate (the `bots` area).
    public var bots = BotConfiguration()

    public init(
        host: String = "127.0.0.1", port: Int = 8000, maxBodyBytes: Int = 1 << 20,
        defaultTimeoutSeconds: Double = 300, defaultMaxAttempts: Int = 3, 
        sseKeepAlive: Duration = .seconds(15), rateLimits: RateLimits = RateLimits(), security: SecurityPolicy = .moderate,
        chatDefaultModel: String? = nil, webSockets: WebSocketLimits = WebSocketLimits()
    ) {
        self.webSockets = webSockets
        self.chatDefaultModel = chatDefaultModel
        self.rateLimits = rateLimits
        self.security = security
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.defaultTimeoutSeconds = defaultTimeoutSeconds
        self.defaultMaxAttempts = defaultMaxAttempts
        self.sseKeepAlive = sseKeepAlive
    }
}

public enum HangarVersion {
    public static let current = "0.1.0"
}
