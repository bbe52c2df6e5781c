import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The second half of a proxied connection: decide, connect to exactly the addresses the
/// decision allowed, reply, and splice.
extension SOCKS5ServerHandler {
    func decide(_ request: SOCKS5.Request, context: ChannelHandlerContext) {
        let decider = configuration.decider
        configuration.lookups.runIfActive(eventLoop: context.eventLoop) {
            decider.decide(host: request.host, port: request.port)
        }
        .assumeIsolated().whenComplete { [self] result in
            guard !isClosed else { return }
            switch result {
            case .success(.connect(let addresses)):
                markConnecting()
                connect(request, to: addresses[...], context: context, lastError: nil)
            case .success(.refuse(let reason, let code, let internalAddress)):
                // Policy refusals at info; names that do not resolve are routine (Chromium's own
                // background requests in a sandbox without DNS) and stay at debug.
                configuration.logger.log(
                    level: code == .notAllowed ? .info : .debug, "egress proxy refused a connection",
                    metadata: ["host": "\(request.host)", "port": "\(request.port)", "reason": "\(reason)"])
                configuration.refusals.record(
                    EgressRefusal(
                        host: request.host, port: request.port, reason: reason, reply: code, internalAddress: internalAddress,
                        at: .now))
                refuse(context, code)
            case .failure(let error):
                configuration.logger.warning("egress proxy: decision failed", metadata: ["error": "\(error)"])
                refuse(context, .generalFailure)
            }
        }
    }

    /// Tries the allowed addresses in order; the outbound channel shares the client's event
    /// loop, so the splice needs no hops.
    private func connect(_ request: SOCKS5.Request, to addresses: ArraySlice<String>, context: ChannelHandlerContext, lastError: (any Error)?) {
        guard let first = addresses.first else {
            configuration.logger.debug(
                "egress proxy: destination unreachable",
                metadata: ["host": "\(request.host)", "port": "\(request.port)", "error": "\(lastError.map { "\($0)" } ?? "no address")"])
            return refuse(context, Self.reply(for: lastError))
        }
        let target: SocketAddress
        do {
            target = try SocketAddress(ipAddress: first, port: request.port)
        } catch {
            return connect(request, to: addresses.dropFirst(), context: context, lastError: error)
        }
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(configuration.connectTimeout)
            // Not a byte is read before the splice handler is in place.
            .channelOption(.autoRead, value: false)
            .connect(to: target)
            .assumeIsolated().whenComplete { [self] result in
                switch result {
                case .success(let outbound):
                    guard !isClosed else {
                        outbound.close(promise: nil)
                        return
                    }
                    splice(context: context, outbound: outbound)
                case .failure(let error):
                    guard !isClosed else { return }
                    connect(request, to: addresses.dropFirst(), context: context, lastError: error)
                }
            }
    }

    private func splice(context: ChannelHandlerContext, outbound: any Channel) {
        let (inner, outer) = SpliceHandler.pair()
        do {
            try context.pipeline.syncOperations.addHandler(inner)
            try outbound.pipeline.syncOperations.addHandler(outer)
        } catch {
            outbound.close(promise: nil)
            return refuse(context, .generalFailure)
        }
        markSpliced()
        context.writeAndFlush(wrapOutboundOut(SOCKS5.reply(.succeeded, bound: outbound.localAddress)), promise: nil)
        let early = takeBuffered()
        if early.readableBytes > 0 { outbound.writeAndFlush(early, promise: nil) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
        try? outbound.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
    }

    /// RFC 1928's codes for a failed connect: refused, unreachable, or a general failure.
    static func reply(for error: (any Error)?) -> SOCKS5Reply {
        guard let error else { return .hostUnreachable }
        if let error = error as? NIOConnectionError { return reply(for: error.connectionErrors.first?.error) }
        if let error = error as? ChannelError, case .connectTimeout = error { return .hostUnreachable }
        guard let error = error as? IOError else { return .generalFailure }
        switch error.errnoCode {
        case ECONNREFUSED: return .connectionRefused
        case ENETUNREACH: return .networkUnreachable
        case EHOSTUNREACH, ETIMEDOUT: return .hostUnreachable
        default: return .generalFailure
        }
    }
}
