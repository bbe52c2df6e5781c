import Foundation
import HangarAuth
import HangarCore
import HangarTimers
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import Synchronization

/// One client's WebSocket, as both live endpoints use it: authentication by `?token=`
/// (1008 when missing or invalid), the connection limits (1013 when full), serialized writes,
/// and the inbound half — pings answered with pongs, the per-connection message rate, and the
/// idle timeout (no ping for `idleTimeout` closes the connection).
actor SocketConnection {
    let outbound: WebSocketOutboundWriter
    private var closed = false
    /// Still in the opening checks: a close now is a refusal.
    private var refusing = true

    func opened() { refusing = false }

    init(outbound: WebSocketOutboundWriter) {
        self.outbound = outbound
    }

    func send(_ message: JSONValue) async throws {
        guard !closed else { throw CancellationError() }
        try await outbound.write(.text(JSONText.encode(message)))
    }

    /// An already encoded message (the hub encodes each event once for every watcher).
    func send(text: String) async throws {
        guard !closed else { throw CancellationError() }
        try await outbound.write(.text(text))
    }

    func close(_ code: WebSocketErrorCode, _ reason: String?) async {
        guard !closed else { return }
        if refusing {
            // A close frame sent in the same instant as the upgrade's 101 can reach a client
            // before it is ready for frames (NIO-based clients lose it and wait for ever); a
            // moment's pause puts the refusal in a later segment.
            try? await Timers.sleep(for: .milliseconds(20))
        }
        closed = true
        try? await outbound.close(code, reason: reason)
    }

    var isClosed: Bool { closed }

    /// Authenticates and admits a connection, or closes it saying why. Returns the principal and
    /// the connection's lease on its place in the registry (release it when the socket ends).
    static func open(
        _ request: Request, outbound: WebSocketOutboundWriter, authenticator: Authenticator, registry: SocketRegistry, endpoint: String
    ) async -> (Principal, SocketConnection, ConnectionLease)? {
        let connection = SocketConnection(outbound: outbound)
        let principal: Principal
        do {
            principal = try await authenticator.authenticate(AuthMiddleware.token(request))
        } catch {
            await connection.close(.policyViolation, error.message)
            return nil
        }
        switch registry.connections.admit(user: principal.subject, tenant: principal.tenantID, endpoint: endpoint) {
        case .refused(let refusal):
            await connection.close(.unknown(1013), "too many connections: \(refusal)")
            return nil
        case .admitted(let lease):
            return (principal, connection, lease)
        }
    }

    /// Reads the client's messages until it leaves, it idles past the limit, or the task is
    /// cancelled. `onMessage` gets every well-formed message other than `ping`.
    nonisolated func readInbound(
        _ inbound: WebSocketInboundStream, limits: WebSocketLimits, onMessage: @escaping @Sendable (JSONValue) async throws -> Void
    ) async {
        let lastPing = Locked(ContinuousClock.now)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var window = MessageRateWindow(limit: limits.messagesPerMinute)
                do {
                    for try await message in inbound.messages(maxSize: 64 * 1024) {
                        if let retryAfter = window.take() {
                            try await self.send([
                                "type": "error", "message": "Rate limit exceeded. Please wait before sending more messages.",
                                "retry_after": .int(Int64(retryAfter)),
                            ])
                            continue
                        }
                        guard case .text(let text) = message, let json = try? JSONText.decode(text), let type = json["type"]?.stringValue else {
                            try await self.send(["type": "error", "message": "messages are JSON objects with a 'type'"])
                            continue
                        }
                        if type == "ping" {
                            lastPing.withLock { $0 = .now }
                            try await self.send(["type": "pong", "timestamp": .string(Timestamp.format(Date()))])
                        } else {
                            try await onMessage(json)
                        }
                    }
                } catch {}
            }
            group.addTask {
                // The idle watchdog.
                while !Task.isCancelled {
                    let deadline = lastPing.withLock { $0 } + limits.idleTimeout
                    if ContinuousClock.now >= deadline {
                        await self.close(.goingAway, "no ping for \(Int(limits.idleTimeout.seconds)) s")
                        return
                    }
                    try? await Timers.sleep(until: deadline)
                }
            }
            await group.next()
            group.cancelAll()
        }
    }
}

/// A value shared between the tasks of one connection.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T {
        mutex.withLock { body(&$0) }
    }
}
