import Foundation
import HangarCore
import HangarServer

/// Flags win, then `HANGAR_*` environment variables, then defaults.
enum Environment {
    static func string(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func bool(_ name: String) throws -> Bool? {
        guard let text = string(name)?.lowercased() else { return nil }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw HangarError.invalid(field: name, message: "must be true or false, got '\(text)'")
        }
    }

    static func int(_ name: String) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text) else { throw HangarError.invalid(field: name, message: "must be an integer, got '\(text)'") }
        return value
    }
}

/// `7d`, `12h`, `30m`, `45s`, `250ms` or plain seconds.
func parseDuration(_ text: String, name: String) throws -> Duration {
    let units: [(String, Double)] = [("ms", 0.001), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
        if let value = Double(text.dropLast(suffix.count)), value >= 0 { return .seconds(fractional: value * scale) }
    }
    if let value = Double(text), value >= 0 { return .seconds(fractional: value) }
    throw HangarError.invalid(field: name, message: "expected a duration such as 7d, 12h, 30m, 45s or 250ms, got '\(text)'")
}

/// The security level's limits (`HANGAR_SECURITY_LEVEL`), with the network rules overridden by
/// `HANGAR_ALLOWED_DOMAINS` (comma-separated; `*` = any public host) and
/// `HANGAR_ALLOW_PRIVATE_NETWORKS`.
func securityPolicyFromEnvironment() throws -> SecurityPolicy {
    let name = Environment.string("HANGAR_SECURITY_LEVEL") ?? "moderate"
    guard let level = SecurityPolicy.Level(rawValue: name.lowercased()) else {
        throw HangarError.invalid(field: "HANGAR_SECURITY_LEVEL", message: "must be strict, moderate or lenient, got '\(name)'")
    }
    var policy = SecurityPolicy.forLevel(level)
    if let domains = Environment.string("HANGAR_ALLOWED_DOMAINS") {
        let list = domains.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        policy.network.allowedDomains = list == ["*"] ? [] : list.map { $0.lowercased() }
    }
    if let allow = try Environment.bool("HANGAR_ALLOW_PRIVATE_NETWORKS") { policy.network.allowPrivateNetworks = allow }
    return policy
}

/// `HANGAR_RATE_AGENT_CREATIONS` (per caller and hour; seed 004's 10 by default) and
/// `HANGAR_RATE_REQUESTS_PER_MINUTE` (per caller, every route; off by default). `0` turns one off.
func rateLimitsFromEnvironment() throws -> RateLimits {
    func limit(_ name: String, default value: Double?) throws -> Double? {
        guard let number = try Environment.int(name) else { return value }
        guard number >= 0 else { throw HangarError.invalid(field: name, message: "must be 0 (off) or a positive number") }
        return number == 0 ? nil : Double(number)
    }
    return RateLimits(
        agentCreationsPerHour: try limit("HANGAR_RATE_AGENT_CREATIONS", default: 10),
        requestsPerMinute: try limit("HANGAR_RATE_REQUESTS_PER_MINUTE", default: nil))
}

/// A positive integer setting, or `nil` when unset.
private func positive(_ name: String) throws -> Int? {
    guard let value = try Environment.int(name) else { return nil }
    guard value > 0 else { throw HangarError.invalid(field: name, message: "must be a positive number") }
    return value
}

/// A per-tenant cap with the total it shares: set above the total it is an error (it could never
/// bind); left at its default it shrinks to the total.
private func perTenant(_ name: String, current: Int, total: Int, totalName: String) throws -> Int {
    guard let value = try positive(name) else { return min(current, total) }
    guard value <= total else { throw HangarError.invalid(field: name, message: "must not exceed \(totalName) (\(total))") }
    return value
}

/// `HANGAR_WS_MAX_PER_USER` (50), `HANGAR_WS_MAX_PER_TENANT` (100), `HANGAR_WS_MAX_TOTAL` (200),
/// `HANGAR_WS_MESSAGES_PER_MINUTE` (100), `HANGAR_WS_IDLE_TIMEOUT` (90s), `HANGAR_WS_SEND_BUFFER`
/// (1024 messages): seed 004's WebSocket limits, plus the tenant cap that keeps one tenant's
/// keys from taking every connection.
func webSocketLimitsFromEnvironment() throws -> WebSocketLimits {
    var limits = WebSocketLimits()
    if let value = try positive("HANGAR_WS_MAX_PER_USER") { limits.perUser = value }
    if let value = try positive("HANGAR_WS_MAX_TOTAL") { limits.total = value }
    limits.perTenant = try perTenant("HANGAR_WS_MAX_PER_TENANT", current: limits.perTenant, total: limits.total, totalName: "HANGAR_WS_MAX_TOTAL")
    if let value = try positive("HANGAR_WS_MESSAGES_PER_MINUTE") { limits.messagesPerMinute = value }
    if let value = try positive("HANGAR_WS_SEND_BUFFER") { limits.sendBuffer = value }
    if let text = Environment.string("HANGAR_WS_IDLE_TIMEOUT") { limits.idleTimeout = try parseDuration(text, name: "HANGAR_WS_IDLE_TIMEOUT") }
    return limits
}

/// `HANGAR_SSE_MAX_PER_USER` (50), `HANGAR_SSE_MAX_PER_TENANT` (100), `HANGAR_SSE_MAX_TOTAL` (200):
/// open server-sent event streams (task events, task logs).
func eventStreamLimitsFromEnvironment() throws -> ConnectionLimits {
    var limits = ConnectionLimits.eventStreamDefaults
    if let value = try positive("HANGAR_SSE_MAX_PER_USER") { limits.perUser = value }
    if let value = try positive("HANGAR_SSE_MAX_TOTAL") { limits.total = value }
    limits.perTenant = try perTenant("HANGAR_SSE_MAX_PER_TENANT", current: limits.perTenant, total: limits.total, totalName: "HANGAR_SSE_MAX_TOTAL")
    return limits
}

/// `HANGAR_MAX_HEADER_BYTES` (32768), `HANGAR_HEADER_TIMEOUT` (10s), `HANGAR_IDLE_TIMEOUT` (60s),
/// `HANGAR_MAX_CONNECTIONS_PER_CLIENT` (256): what one TCP connection may cost the server.
func connectionLimitsFromEnvironment() throws -> HTTPConnectionLimits {
    var limits = HTTPConnectionLimits()
    if let value = try positive("HANGAR_MAX_HEADER_BYTES") {
        // A request head must at least hold a request line and a Host header.
        guard value >= 1024 else { throw HangarError.invalid(field: "HANGAR_MAX_HEADER_BYTES", message: "must be at least 1024") }
        limits.maxHeaderBytes = value
    }
    if let value = try positive("HANGAR_MAX_CONNECTIONS_PER_CLIENT") { limits.maxConnectionsPerClient = value }
    for (name, keyPath) in [("HANGAR_HEADER_TIMEOUT", \HTTPConnectionLimits.headerTimeout), ("HANGAR_IDLE_TIMEOUT", \.idleTimeout)] {
        guard let text = Environment.string(name) else { continue }
        let duration = try parseDuration(text, name: name)
        guard duration > .zero else { throw HangarError.invalid(field: name, message: "must be longer than 0") }
        limits[keyPath: keyPath] = duration
    }
    return limits
}

/// `HANGAR_TRUSTED_PROXIES`: comma-separated addresses and CIDR blocks (IPv4, IPv6) whose
/// `X-Forwarded-For` / `Forwarded` headers name the client. Unset: none, the socket peer is
/// the client. A bad entry stops the server at start rather than trusting less than meant.
func trustedProxiesFromEnvironment() throws -> TrustedProxies {
    guard let text = Environment.string("HANGAR_TRUSTED_PROXIES") else { return .none }
    do {
        return try TrustedProxies(parsing: text)
    } catch {
        throw HangarError.invalid(
            field: "HANGAR_TRUSTED_PROXIES", message: "'\(error.entry)' is not an IP address or CIDR block (such as 10.0.0.0/8 or fd00::/8)")
    }
}

/// A start-up or configuration problem, said in one line that names the setting to change.
/// (ArgumentParser follows a `ValidationError` with the top-level usage, which does not help
/// here.)
struct StartupError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
