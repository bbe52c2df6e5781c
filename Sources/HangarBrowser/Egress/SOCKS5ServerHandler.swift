import Logging
import NIOCore
import NIOPosix

/// One client connection of the egress proxy: the SOCKS5 handshake, the decision, the
/// outbound connection, then splicing. Runs on the client channel's event loop; the decision
/// (which may resolve a name) runs on the lookup pool and comes back to that loop.
final class SOCKS5ServerHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Configuration: Sendable {
        var decider: EgressDecider
        var lookups: NIOThreadPool
        /// Greeting and request must arrive within this (a silent client holds no slot forever).
        var handshakeTimeout: TimeAmount
        var connectTimeout: TimeAmount
        var refusals: EgressRefusals
        var logger: Logger
    }

    private enum State {
        case greeting, request, deciding, connecting, spliced, closed
    }

    /// A greeting plus a request is at most 257 + 262 bytes; more before the reply is abuse.
    private static let maxHandshakeBytes = 1024

    let configuration: Configuration
    private var state = State.greeting
    private var buffered = ByteBuffer()
    private var handshakeTimer: Scheduled<Void>?

    init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let timeout = configuration.handshakeTimeout
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            guard state == .greeting || state == .request else { return }
            configuration.logger.debug("egress proxy: handshake timed out")
            close(context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffered.writeBuffer(&bytes)
        guard state == .greeting || state == .request else {
            // Bytes sent ahead of our reply wait here and are forwarded once spliced.
            if buffered.readableBytes > Self.maxHandshakeBytes { close(context) }
            return
        }
        guard buffered.readableBytes <= Self.maxHandshakeBytes else { return close(context) }
        do throws(SOCKS5.Failure) {
            if state == .greeting {
                guard let acceptable = try SOCKS5.parseGreeting(&buffered) else { return }
                guard acceptable else {
                    // "No acceptable methods": the client must close; so do we.
                    return reply(context, bytes: [SOCKS5.version, SOCKS5.noAcceptableMethod], thenClose: true)
                }
                reply(context, bytes: [SOCKS5.version, SOCKS5.noAuthentication], thenClose: false)
                state = .request
            }
            guard let request = try SOCKS5.parseRequest(&buffered) else { return }
            state = .deciding
            handshakeTimer?.cancel()
            // Nothing more is read until the outbound side exists to take it.
            try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
            decide(request, context: context)
        } catch {
            configuration.logger.debug("egress proxy: bad request", metadata: ["reason": "\(error.reason)"])
            if let code = error.reply {
                context.writeAndFlush(wrapOutboundOut(SOCKS5.reply(code))).assumeIsolated().whenComplete { [self] _ in close(context) }
            } else {
                close(context)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        configuration.logger.debug("egress proxy: client error", metadata: ["error": "\(error)"])
        close(context)
    }

    // MARK: - Helpers shared with the connect step

    func reply(_ context: ChannelHandlerContext, bytes: [UInt8], thenClose: Bool) {
        let written = context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)))
        if thenClose { written.assumeIsolated().whenComplete { [self] _ in close(context) } }
    }

    func refuse(_ context: ChannelHandlerContext, _ code: SOCKS5Reply) {
        guard state != .closed else { return }
        context.writeAndFlush(wrapOutboundOut(SOCKS5.reply(code))).assumeIsolated().whenComplete { [self] _ in close(context) }
    }

    func close(_ context: ChannelHandlerContext) {
        guard state != .closed else { return }
        state = .closed
        context.close(promise: nil)
    }

    var isClosed: Bool { state == .closed }

    func markConnecting() { state = .connecting }

    func markSpliced() { state = .spliced }

    /// The bytes received after the request, handed to the destination once connected.
    func takeBuffered() -> ByteBuffer {
        defer { buffered = ByteBuffer() }
        return buffered
    }
}
