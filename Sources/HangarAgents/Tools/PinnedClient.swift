public import AsyncHTTPClient
import Foundation
public import HangarCore
import NIOCore
import NIOPosix

/// An HTTP client bound to the address the network policy approved for one URL's host.
///
/// Checking a name and then letting the client resolve it again leaves a gap: a name with a
/// short TTL can answer with a public address for the check and a private one for the
/// connection (DNS rebinding). This client resolves once, checks every address, and
/// connects to the first approved one (`dnsOverride`), while TLS still verifies the
/// certificate for the name. It follows no redirects: each hop needs its own check.
///
/// One per target (a tool call, a webhook attempt, an MCP server); `shutdown()` after use.
public struct PinnedClient: Sendable {
    public let client: HTTPClient
    /// The address connections go to.
    public let address: String

    public struct Refused: Error, Sendable, CustomStringConvertible {
        public var reason: String
        /// The target is inside the network (an SSRF attempt), not merely off the list.
        public var internalAddress: Bool
        public var description: String { reason }
    }

    /// Checks `url` against `policy` (resolving off the caller's thread) and binds a client to
    /// the approved address. Throws `Refused`.
    public static func make(
        for url: String, policy: NetworkPolicy, connectTimeout: Duration = .seconds(10),
        resolve: @escaping @Sendable (String) -> [String] = NetworkPolicy.resolve
    ) async throws -> PinnedClient {
        let verdict = try await NIOThreadPool.singleton.runIfActive { policy.check(url: url, resolve: resolve) }
        let addresses: [String]
        switch verdict {
        case .refused(let reason, let internalAddress): throw Refused(reason: reason, internalAddress: internalAddress)
        case .allowed(let approved): addresses = approved
        }
        guard var host = URLComponents(string: url)?.host, let address = addresses.first else {
            throw Refused(reason: "'\(url)' has no host", internalAddress: false)
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .nanoseconds(Int64(connectTimeout.seconds * 1e9))
        configuration.redirectConfiguration = .disallow
        if address != host { configuration.dnsOverride = [host: address] }
        return PinnedClient(client: HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration), address: address)
    }

    public func shutdown() async {
        try? await client.shutdown()
    }
}
