import HummingbirdCore
import Logging
import NIOCore

/// Wraps the HTTP (and WebSocket upgrade) child channel with the connection limits: a client
/// address at its limit has its new connection closed as it is accepted, and every other
/// connection gets `RequestHeadGuard` in front of the HTTP decoder.
struct GuardedChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    /// Why a connection was closed at accept (the failed setup drops it quietly).
    struct ClientAtLimit: Error {}

    let base: Base
    let limits: HTTPConnectionLimits
    let clients: ClientConnections

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let client = channel.remoteAddress?.ipAddress ?? "local"
        guard clients.open(client) else {
            logger.debug("connection refused: client at its connection limit", metadata: ["client": "\(client)", "limit": "\(clients.limit)"])
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ClientAtLimit())
        }
        let clients = self.clients
        channel.closeFuture.whenComplete { _ in clients.close(client) }
        do {
            let guardHandler = RequestHeadGuard(maxHeaderBytes: limits.maxHeaderBytes, headerTimeout: TimeAmount(limits.headerTimeout))
            try channel.pipeline.syncOperations.addHandler(guardHandler, position: .first)
        } catch {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(error)
        }
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
