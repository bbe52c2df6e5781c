import Configuration
import HangarAuth
import HangarCore
import HangarServer
import HangarSettings

/// The `http` area: what `hangar serve`'s listener and routes need.
struct HTTPSettings {
    static let area = SettingsArea(
        "http", summary: "The API's listener, its limits and its callers (`hangar serve`).",
        settings: [
            Keys.HTTP.host, Keys.HTTP.port, Keys.HTTP.maxBodyBytes, Keys.HTTP.auth, Keys.HTTP.chatDefaultModel, Keys.HTTP.defaultBrowserAgent,
            Keys.HTTP.defaultBrowserModel, Keys.HTTP.metricsPublic,
            Keys.HTTP.logRequests, Keys.HTTP.trustedProxies, Keys.HTTP.maxHeaderBytes, Keys.HTTP.headerTimeout, Keys.HTTP.idleTimeout,
            Keys.HTTP.maxConnectionsPerClient, Keys.HTTP.agentCreations, Keys.HTTP.requestsPerMinute, Keys.HTTP.wsPerUser, Keys.HTTP.wsPerTenant,
            Keys.HTTP.wsTotal, Keys.HTTP.wsMessagesPerMinute, Keys.HTTP.wsIdleTimeout, Keys.HTTP.wsSendBuffer, Keys.HTTP.ssePerUser,
            Keys.HTTP.ssePerTenant, Keys.HTTP.sseTotal,
        ])

    var server: ServerConfiguration
    var auth: Authenticator.Mode
    /// The `jwt` area: tokens accepted beside API keys.
    var jwt = JWTConfiguration()

    init(_ config: ConfigReader, security: SecurityPolicy, dataDirectory: String) throws {
        let host = try config.text(Keys.HTTP.host) ?? "127.0.0.1"
        let port = try config.int(Keys.HTTP.port) ?? 8000
        guard (0...65535).contains(port) else {
            throw InvalidSetting(key: Keys.HTTP.port.key, problem: "must be a TCP port from 1 to 65535 (or 0 for any free port), got \(port)")
        }
        let maxBodyBytes = try config.int(Keys.HTTP.maxBodyBytes) ?? (1 << 20)
        guard maxBodyBytes >= 1024 else { throw InvalidSetting(key: Keys.HTTP.maxBodyBytes.key, problem: "must be at least 1024, got \(maxBodyBytes)") }
        guard let auth = Authenticator.Mode(rawValue: try config.choice(Keys.HTTP.auth, of: ["required", "none"]) ?? "required") else {
            throw InvalidSetting(key: Keys.HTTP.auth.key, problem: "must be required or none")
        }
        if auth == .none, !["127.0.0.1", "localhost", "::1"].contains(host) {
            throw InvalidSetting(key: Keys.HTTP.auth.key, problem: "none serves everyone as admin: it only binds a loopback address, not \(host)")
        }
        self.auth = auth
        server = ServerConfiguration(
            host: host, port: port, maxBodyBytes: maxBodyBytes, rateLimits: try Self.rateLimits(config), security: security,
            chatDefaultModel: try config.text(Keys.HTTP.chatDefaultModel), webSockets: try Self.webSockets(config))
        server.defaultBrowserAgent = try config.text(Keys.HTTP.defaultBrowserAgent) ?? server.defaultBrowserAgent
        server.defaultBrowserModel = try config.text(Keys.HTTP.defaultBrowserModel)
        server.metricsPublic = try config.bool(Keys.HTTP.metricsPublic) ?? false
        server.logRequests = try config.bool(Keys.HTTP.logRequests) ?? false
        server.dataDirectory = dataDirectory
        server.eventStreams = try Self.eventStreams(config)
        server.connections = try Self.connections(config)
        server.trustedProxies = try Self.trustedProxies(config)
    }

    /// Seed 004's 10 agent creations per caller and hour by default; `0` turns a limit off.
    private static func rateLimits(_ config: ConfigReader) throws -> RateLimits {
        func limit(_ setting: Setting, default value: Double?) throws -> Double? {
            guard let number = try config.int(setting) else { return value }
            guard number >= 0 else { throw InvalidSetting(key: setting.key, problem: "must be 0 (off) or a positive number, got \(number)") }
            return number == 0 ? nil : Double(number)
        }
        return RateLimits(
            agentCreationsPerHour: try limit(Keys.HTTP.agentCreations, default: 10),
            requestsPerMinute: try limit(Keys.HTTP.requestsPerMinute, default: nil))
    }

    /// A per-tenant cap with the total it shares: set above the total it is an error (it could
    /// never bind); left at its default it shrinks to the total.
    private static func perTenant(_ config: ConfigReader, _ setting: Setting, current: Int, total: Int, totalSetting: Setting) throws -> Int {
        guard let value = try config.positiveInt(setting) else { return min(current, total) }
        guard value <= total else { throw InvalidSetting(key: setting.key, problem: "must not exceed \(totalSetting.environment) (\(total)), got \(value)") }
        return value
    }

    /// Seed 004's WebSocket limits, plus the tenant cap that keeps one tenant's keys from
    /// taking every connection.
    private static func webSockets(_ config: ConfigReader) throws -> WebSocketLimits {
        var limits = WebSocketLimits()
        if let value = try config.positiveInt(Keys.HTTP.wsPerUser) { limits.perUser = value }
        if let value = try config.positiveInt(Keys.HTTP.wsTotal) { limits.total = value }
        limits.perTenant = try perTenant(config, Keys.HTTP.wsPerTenant, current: limits.perTenant, total: limits.total, totalSetting: Keys.HTTP.wsTotal)
        if let value = try config.positiveInt(Keys.HTTP.wsMessagesPerMinute) { limits.messagesPerMinute = value }
        if let value = try config.positiveInt(Keys.HTTP.wsSendBuffer) { limits.sendBuffer = value }
        if let value = try config.duration(Keys.HTTP.wsIdleTimeout) { limits.idleTimeout = value }
        return limits
    }

    /// Open server-sent event streams (task events, task logs).
    private static func eventStreams(_ config: ConfigReader) throws -> ConnectionLimits {
        var limits = ConnectionLimits.eventStreamDefaults
        if let value = try config.positiveInt(Keys.HTTP.ssePerUser) { limits.perUser = value }
        if let value = try config.positiveInt(Keys.HTTP.sseTotal) { limits.total = value }
        limits.perTenant = try perTenant(config, Keys.HTTP.ssePerTenant, current: limits.perTenant, total: limits.total, totalSetting: Keys.HTTP.sseTotal)
        return limits
    }

    /// What one TCP connection may cost the server.
    private static func connections(_ config: ConfigReader) throws -> HTTPConnectionLimits {
        var limits = HTTPConnectionLimits()
        if let value = try config.positiveInt(Keys.HTTP.maxHeaderBytes) {
            // A request head must at least hold a request line and a Host header.
            guard value >= 1024 else { throw InvalidSetting(key: Keys.HTTP.maxHeaderBytes.key, problem: "must be at least 1024, got \(value)") }
            limits.maxHeaderBytes = value
        }
        if let value = try config.positiveInt(Keys.HTTP.maxConnectionsPerClient) { limits.maxConnectionsPerClient = value }
        for (setting, keyPath) in [(Keys.HTTP.headerTimeout, \HTTPConnectionLimits.headerTimeout), (Keys.HTTP.idleTimeout, \.idleTimeout)] {
            guard let duration = try config.duration(setting) else { continue }
            guard duration > .zero else { throw InvalidSetting(key: setting.key, problem: "must be longer than 0") }
            limits[keyPath: keyPath] = duration
        }
        return limits
    }

    /// A bad entry stops the server at start rather than trusting less than meant.
    private static func trustedProxies(_ config: ConfigReader) throws -> TrustedProxies {
        guard let text = try config.text(Keys.HTTP.trustedProxies) else { return .none }
        do {
            return try TrustedProxies(parsing: text)
        } catch {
            throw InvalidSetting(
                key: Keys.HTTP.trustedProxies.key, problem: "'\(error.entry)' is not an IP address or CIDR block (such as 10.0.0.0/8 or fd00::/8)")
        }
    }
}
