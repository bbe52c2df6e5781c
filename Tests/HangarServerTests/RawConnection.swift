import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A plain TCP client for tests that must send what no HTTP client would (oversized or half
/// request heads) and see whether the server closes the connection. Non-blocking (NIO), so it
/// never ties up a thread the server's handlers need.
final class RawConnection: Sendable {
    private final class Received: Sendable {
        let state = Mutex<(bytes: [UInt8], closed: Bool)>(([], false))
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: Received

        init(_ received: Received) {
            self.received = received
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.state.withLock { $0.bytes += buffer.readableBytesView }
        }

        // The server closing its side (FIN) ends what this client can read: closed, here.
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case ChannelEvent.inputClosed = event { received.state.withLock { $0.closed = true } }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            received.state.withLock { $0.closed = true }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // A reset after the server closes: the same as a close here.
            context.close(promise: nil)
        }
    }

    private let channel: any Channel
    private let received: Received

    private init(channel: any Channel, received: Received) {
        self.channel = channel
        self.received = received
    }

    static func connect(port: Int, host: String = "127.0.0.1") async throws -> RawConnection {
        let received = Received()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(received)) }
            }
            .connect(host: host, port: port).get()
        return RawConnection(channel: channel, received: received)
    }

    /// Sends `text`; a failure (the server has closed) is not an error here.
    func send(_ text: String) async {
        try? await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    /// Sends raw bytes (a WebSocket frame); a failure (the server has closed) is not an error here.
    func send(bytes: [UInt8]) async {
        try? await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    var text: String { String(decoding: received.state.withLock { $0.bytes }, as: UTF8.self) }
    var isClosed: Bool { received.state.withLock { $0.closed } }

    /// Waits until the server has closed the connection; false if it has not within `timeout`.
    func waitForClose(timeout: Duration) async throws -> Bool {
        try await wait(timeout: timeout) { self.isClosed }
    }

    /// Waits until `condition` holds; false if it does not within `timeout`.
    func wait(timeout: Duration, until condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    func close() async {
        try? await channel.close().get()
    }
}
