import Logging
import NIOCore
import NIOPosix

/// A SOCKS5 proxy on 127.0.0.1 that a launched Chromium must send all its traffic through
/// (`--proxy-server=socks5://…`): every CONNECT is decided by an `EgressDecider` — by default
/// the network policy — before any byte reaches the destination.
///
/// One proxy per launched browser, not one per process: its lifetime is the browser's (no
/// listener outlives the last browser), the policy is the launch's own, and a refusal is
/// attributed to the one browser whose navigation it broke. A listener costs one descriptor.
/// Another local process may connect to the port too, but it gets exactly the same policy.
public final class EgressProxy: Sendable {
    /// The loopback port Chromium is pointed at.
    public let port: Int
    private let channel: any Channel
    let refusals: EgressRefusals

    /// Name lookups block, sometimes for seconds (a dead resolver's timeouts): they run on a
    /// pool of their own so a busy page cannot starve the process-wide singleton pool, which
    /// has one thread per core.
    static let lookups: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 8)
        pool.start()
        return pool
    }()

    private init(port: Int, channel: any Channel, refusals: EgressRefusals) {
        self.port = port
        self.channel = channel
        self.refusals = refusals
    }

    deinit {
        channel.close(promise: nil)
    }

    /// Listens on 127.0.0.1 on a port the kernel picks.
    public static func start(
        decider: EgressDecider,
        handshakeTimeout: TimeAmount = .seconds(10),
        connectTimeout: TimeAmount = .seconds(15),
        logger: Logger = Logger(label: "hangar.egress")
    ) async throws -> EgressProxy {
        let refusals = EgressRefusals()
        let configuration = SOCKS5ServerHandler.Configuration(
            decider: decider, lookups: lookups, handshakeTimeout: handshakeTimeout, connectTimeout: connectTimeout,
            refusals: refusals, logger: logger)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(SOCKS5ServerHandler(configuration))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw EgressProxyError.noPort
        }
        logger.debug("egress proxy listening", metadata: ["port": "\(port)"])
        return EgressProxy(port: port, channel: channel, refusals: refusals)
    }

    /// `--proxy-server` for Chromium.
    public var proxyServerArgument: String { "socks5://127.0.0.1:\(port)" }

    /// The destinations refused since `instant` (a navigation's start), oldest first.
    public func refusals(since instant: ContinuousClock.Instant) -> [EgressRefusal] {
        refusals.since(instant)
    }

    /// Stops listening. Spliced connections end with the browser's sockets. Idempotent.
    public func close() {
        channel.close(promise: nil)
    }
}

enum EgressProxyError: Error, CustomStringConvertible {
    case noPort
    var description: String { "the egress proxy has no local port" }
}
