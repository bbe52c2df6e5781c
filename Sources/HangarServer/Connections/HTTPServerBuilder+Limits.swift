public import Hummingbird
public import HummingbirdCore
public import HummingbirdWebSocket
import NIOCore

extension HTTPServerBuilder {
    /// HTTP/1.1 with WebSocket upgrades (Hummingbird's `http1WebSocketUpgrade`) behind the
    /// connection limits: request-head size and time (`RequestHeadGuard`), keep-alive idle time
    /// (Hummingbird's idle timeout) and connections per client address.
    public static func hangar(webSocketRouter: Router<BasicWebSocketRequestContext>, limits: HTTPConnectionLimits) -> HTTPServerBuilder {
        let webSocketResponder = webSocketRouter.buildResponder()
        let clients = ClientConnections(limit: limits.maxConnectionsPerClient)
        // NIO's decoder limits stay above the guard's, so the guard answers first (with 431
        // rather than the decoder's 400); the guard counts the request line too.
        let decoderLimit = max(80 * 1024, limits.maxHeaderBytes + 1)
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestBoundaryHandler()], idleTimeout: TimeAmount(limits.idleTimeout),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: decoderLimit, maxHeaderListSize: decoderLimit))
        return .init { responder in
            GuardedChildChannel(
                base: HTTP1WebSocketUpgradeChannel(
                    responder: responder, webSocketResponder: webSocketResponder, configuration: .init(http1: http1)),
                limits: limits, clients: clients)
        }
    }
}
