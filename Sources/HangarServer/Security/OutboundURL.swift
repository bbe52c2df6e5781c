import Foundation
import HangarCore
import NIOPosix

/// The check a URL gets when a request hands Hangar somewhere to send things later
/// (`callback_url`, webhook subscriptions): an absolute http(s) URL whose every address
/// passes the network policy. The same check runs again before every delivery.
///
/// `mustResolve: false` accepts a name that does not resolve now (a task's callback is sent
/// minutes later, and a DNS hiccup must not refuse the task); one that resolves inside the
/// network is refused either way.
enum OutboundURL {
    static func require(_ url: String, field: String, configuration: ServerConfiguration, mustResolve: Bool = true) async throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme), parsed.host != nil else {
            throw APIError.invalid(field, "must be an absolute http(s) URL")
        }
        // Deliveries go to any public host: the domain allow list is for tools.
        let policy = NetworkPolicy(allowedDomains: [], allowPrivateNetworks: configuration.security.network.allowPrivateNetworks)
        // Resolving a name blocks; keep it off the threads that serve requests.
        if case .refused(let reason, let internalAddress) = try await NIOThreadPool.singleton.runIfActive({ policy.check(url: url) }),
            internalAddress || mustResolve
        {
            let hint = internalAddress ? " (HANGAR_ALLOW_PRIVATE_NETWORKS=true permits private hosts)" : ""
            throw APIError.invalid(field, "is not allowed: \(reason)\(hint)")
        }
    }
}
