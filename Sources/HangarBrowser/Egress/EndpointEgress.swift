public import AsyncHTTPClient
import Logging
import NIOCore

/// How Hangar itself reaches a browser endpoint a tenant named (an agent's `devtools_url`, a
/// Neko `url`): through an egress proxy, like the pages of a launched browser, so the
/// connection goes to an address the network policy checked — a name that resolves to a
/// public address for the check and to a private one a moment later gains nothing.
public final class EgressRoute: Sendable {
    let proxy: EgressProxy
    /// HTTP through the proxy (AsyncHTTPClient sends the host name; the proxy resolves it).
    public let http: HTTPClient

    init(proxy: EgressProxy, http: HTTPClient) {
        self.proxy = proxy
        self.http = http
    }

    deinit {
        // The route lives as long as its factory; its client must be shut down, not dropped.
        _ = http.shutdown()
    }

    public var proxyPort: Int { proxy.port }
}

/// The route of one environment factory: the proxy starts on first use and lives as long as
/// the factory (one listener per process, not one per connection).
public actor EndpointEgress {
    private let decider: EgressDecider
    private var starting: Task<EgressRoute, any Error>?

    public init(decider: EgressDecider) {
        self.decider = decider
    }

    public func route() async throws -> EgressRoute {
        if let starting { return try await starting.value }
        let decider = decider
        let task = Task {
            let proxy = try await EgressProxy.start(decider: decider, logger: Logger(label: "hangar.egress.endpoints"))
            var configuration = HTTPClient.Configuration()
            configuration.proxy = .socksServer(host: "127.0.0.1", port: proxy.port)
            configuration.timeout.connect = .seconds(10)
            configuration.connectionPool.retryConnectionEstablishment = false
            return EgressRoute(proxy: proxy, http: HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration))
        }
        starting = task
        do {
            return try await task.value
        } catch {
            starting = nil  // the next use tries again
            throw error
        }
    }
}
