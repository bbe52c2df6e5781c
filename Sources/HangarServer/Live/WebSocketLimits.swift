import Foundation
import HangarCore
import HangarRuntime
import Synchronization

/// The limits of seed 004's confirmed WebSocket specification, configurable.
public struct WebSocketLimits: Sendable, Hashable {
    /// Open connections per caller (API key or JWT subject), per tenant and in all.
    public var perUser: Int
    public var perTenant: Int
    public var total: Int
    /// Messages a client may send per minute on one connection (pings included).
    public var messagesPerMinute: Int
    /// A connection without a ping for this long is closed.
    public var idleTimeout: Duration
    /// Messages waiting for a slow `/ws/logs` client; beyond it the connection is closed.
    public var sendBuffer: Int

    public init(
        perUser: Int = 50, perTenant: Int = 100, total: Int = 200, messagesPerMinute: Int = 100, idleTimeout: Duration = .seconds(90),
        sendBuffer: Int = 1024
    ) {
        self.perUser = perUser
        self.perTenant = perTenant
        self.total = total
        self.messagesPerMinute = messagesPerMinute
        self.idleTimeout = idleTimeout
        self.sendBuffer = sendBuffer
    }

    var connections: ConnectionLimits { ConnectionLimits(perUser: perUser, perTenant: perTenant, total: total) }
}

/// The live endpoints' shared count of open WebSocket connections (per caller, per tenant, in
/// all), with the limits each connection applies to itself.
final class SocketRegistry: Sendable {
    let limits: WebSocketLimits
    let connections: ConnectionRegistry

    init(limits: WebSocketLimits, metrics: HangarMetrics) {
        self.limits = limits
        connections = ConnectionRegistry(
            limits: limits.connections,
            naming: .init(
                noun: "WebSocket connections", perUserSetting: "HANGAR_WS_MAX_PER_USER", perTenantSetting: "HANGAR_WS_MAX_PER_TENANT",
                totalSetting: "HANGAR_WS_MAX_TOTAL"),
            observe: { endpoint, change in metrics.websocketConnections(endpoint: endpoint, change: change) })
    }

    var open: Int { connections.open }
}

/// A fixed one-minute window per connection, as the seed describes ("reset every minute").
struct MessageRateWindow {
    let limit: Int
    private var windowStart = ContinuousClock.now
    private var count = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// `nil` when the message is allowed, else seconds until the window resets.
    mutating func take(now: ContinuousClock.Instant = .now) -> Int? {
        if now - windowStart >= .seconds(60) {
            windowStart = now
            count = 0
        }
        count += 1
        guard count > limit else { return nil }
        return max(1, Int(((windowStart + .seconds(60)) - now).seconds.rounded(.up)))
    }
}
