import NIOCore

/// The first handler of every API connection, on raw bytes before the HTTP decoder: it bounds
/// the size of a request head (431, or 414 while still in the request line, as JSON) and the
/// time to send one (the connection is closed). NIO's decoder has header limits of its own,
/// but beyond them Hummingbird answers 400 and waits for the client to close; here the server
/// answers what went wrong and closes.
///
/// It knows where a head ends by its blank line, and where the next one starts from
/// `RequestBoundary.ended`, sent by `RequestBoundaryHandler` after the HTTP decoder once a
/// request's body is read. Upgraded (WebSocket) connections never send that, so the guard
/// stays out of their way after the upgrade request.
final class RequestHeadGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private enum Phase {
        /// Reading a head: `bytes` so far, `line` once the request line is complete, `content`
        /// once something other than blank lines came (blank lines before a request are allowed).
        case head(bytes: Int, line: Bool, content: Bool)
        /// A head was read; the body and the response are someone else's business.
        case request
        /// Answered and closing: input is dropped.
        case refused
    }

    private let maxHeaderBytes: Int
    private let headerTimeout: TimeAmount
    private var phase = Phase.head(bytes: 0, line: false, content: false)
    /// The last bytes seen, to find `\r\n\r\n` across reads.
    private var recent: UInt32 = 0
    private var deadline: Scheduled<Void>?

    init(maxHeaderBytes: Int, headerTimeout: TimeAmount) {
        self.maxHeaderBytes = maxHeaderBytes
        self.headerTimeout = headerTimeout
    }

    // The first head's clock starts with the connection: a client that connects and sends
    // nothing is a slowloris too.
    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var bytes, var line, var content) = phase else {
            if case .request = phase { context.fireChannelRead(data) }
            return
        }
        // A later request's clock starts with its first byte; before it the idle timeout rules.
        arm(context)
        let buffer = unwrapInboundIn(data)
        var complete = false
        for byte in buffer.readableBytesView {
            bytes += 1
            recent = recent << 8 | UInt32(byte)
            if byte != UInt8(ascii: "\r"), byte != UInt8(ascii: "\n") {
                content = true
            } else if byte == UInt8(ascii: "\n"), content {
                line = true
            }
            // `\r\n\r\n`, or `\n\n` (which the decoder also accepts), after some content.
            if content, recent == 0x0D0A_0D0A || recent & 0xFFFF == 0x0A0A {
                complete = true
                break
            }
            if bytes > maxHeaderBytes { break }
        }
        if complete {
            phase = .request
            disarm()
            context.fireChannelRead(data)
        } else if bytes > maxHeaderBytes {
            let (status, what) = line ? ("431 Request Header Fields Too Large", "request header") : ("414 URI Too Long", "request line")
            refuse(context, status: status, detail: "\(what) larger than \(maxHeaderBytes) bytes (HANGAR_MAX_HEADER_BYTES)")
        } else {
            phase = .head(bytes: bytes, line: line, content: content)
            context.fireChannelRead(data)
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let boundary = event as? RequestBoundary else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch (boundary, phase) {
        case (.head, .head):
            // A pipelined head that arrived with the previous request's bytes.
            phase = .request
            disarm()
        case (.ended, .request):
            phase = .head(bytes: 0, line: false, content: false)
            recent = 0
        default:
            break
        }
        promise?.succeed()
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: headerTimeout) { [self] in
            deadline = nil
            guard case .head(let bytes, _, _) = phase else { return }
            if bytes == 0 {
                // Nothing was sent: nothing to answer.
                phase = .refused
                context.close(promise: nil)
            } else {
                let milliseconds = headerTimeout.nanoseconds / 1_000_000
                let detail = "request head not complete within \(milliseconds) ms (HANGAR_HEADER_TIMEOUT)"
                refuse(context, status: "408 Request Timeout", detail: detail)
            }
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }

    /// Answers with the JSON error shape and closes: output first, so the answer is not lost
    /// to a reset while the client is still sending, then all after a moment.
    private func refuse(_ context: ChannelHandlerContext, status: String, detail: String) {
        phase = .refused
        disarm()
        let code = status.prefix(3)
        // `detail` is always one of the messages above: nothing in it needs escaping.
        let body = "{\"detail\":\"\(detail)\",\"status_code\":\(code)}"
        let head = "HTTP/1.1 \(status)\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\nconnection: close\r\n\r\n"
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(ByteBuffer(string: head + body))), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
            context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { context.close(promise: nil) }
        }
    }
}

/// Told to `RequestHeadGuard` (as an outbound user event) when the HTTP decoder has produced a
/// request head or read a request to its end.
enum RequestBoundary: Sendable {
    case head
    case ended
}
