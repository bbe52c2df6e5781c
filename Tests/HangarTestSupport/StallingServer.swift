import NIOCore
import NIOPosix
import Synchronization

/// A TCP server that accepts every connection, reads what it is sent and never answers: the
/// stand-in for a webhook receiver or model provider that hangs.
public final class StallingServer: Sendable {
    private let listener: any Channel
    private let held = Held()
    public let port: Int

    public init() async throws {
        let held = self.held
        listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                held.channels.withLock { $0.append(channel) }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = listener.localAddress?.port ?? 0
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Connections accepted so far.
    public var accepted: Int { held.channels.withLock { $0.count } }

    /// Closes the listener and every connection it holds.
    public func stop() async {
        try? await listener.close()
        for channel in held.channels.withLock({ $0 }) { try? await channel.close() }
    }
}

private final class Held: Sendable {
    let channels = Mutex<[any Channel]>([])
}
