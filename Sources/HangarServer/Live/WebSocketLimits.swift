import Foundation
import HangarCore
import HangarRuntime
import Synchronization

/// The limits of seed 004's confirmed WebSocket specification, configurable.
public struct WebSocketLimits: Sendable, Hashable {
    /// Open connections per caller (API key or JWT subject) and in all.
    public var perUser: Int
    public var total: Int
    /// Messages a client may send per minute on one connection (pings included).
    public var messagesPerMinute: Int
    /// A connection without a ping for this long is closed.
    public var idleTimeout: Duration
    /// Messages waiting for a slow `/ws/logs` client; beyond it the connection is closed.
    public var sendBuffer: Int

    public init(perUser: Int = 50, total: Int = 200, messagesPerMinute: Int = 100, idleTimeout: Duration = .seconds(90), sendBuffer: Int = 1024) {
        self.perUser = perUser
        self.total = total
        self.messagesPerMinute = messagesPerMinute
        self.idleTimeout = idleTimeout
        self.sendBuffer = sendBuffer
    }
}

/// Counts open WebSocket connections per caller and in all; a connection beyond either limit
/// is refused. Released when the connection ends, however it ends.
final class SocketRegistry: Sendable {
    private struct Counts {
        var total = 0
        var byUser: [String: Int] = [:]
    }

    let limits: WebSocketLimits
    let metrics: HangarMetrics
    private let counts = Mutex(Counts())

    init(limits: WebSocketLimits, metrics: HangarMetrics) {
        self.limits = limits
        self.metrics = metrics
    }

    /// `nil` when admitted (call `release` later), else why not.
    func admit(user: String, endpoint: String) -> String? {
        let refusal = counts.withLock { counts -> String? in
            if counts.total >= limits.total { return "server has \(limits.total) WebSocket connections, its limit" }
            if counts.byUser[user, default: 0] >= limits.perUser { return "you have \(limits.perUser) WebSocket connections, the per-user limit" }
            counts.total += 1
            counts.byUser[user, default: 0] += 1
            return nil
        }
        if refusal == nil { metrics.websocketConnections(endpoint: endpoint, change: 1) }
        return refusal
    }

    func release(user: String, endpoint: String) {
        metrics.websocketConnections(endpoint: endpoint, change: -1)
        counts.withLock { counts in
            counts.total -= 1
            let left = counts.byUser[user, default: 1] - 1
            counts.byUser[user] = left > 0 ? left : nil
        }
    }

    var open: Int { counts.withLock { $0.total } }
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
