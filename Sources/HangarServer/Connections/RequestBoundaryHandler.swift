import NIOCore
import NIOHTTPTypes

/// Sits after the HTTP decoder and tells `RequestHeadGuard`, which sees only bytes, where
/// requests begin and end: the guard then times and measures the next head from its first byte.
final class RequestBoundaryHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: context.triggerUserOutboundEvent(RequestBoundary.head, promise: nil)
        case .body: break
        case .end: context.triggerUserOutboundEvent(RequestBoundary.ended, promise: nil)
        }
        context.fireChannelRead(data)
    }
}
