import HangarCore
public import Logging

/// The environments a worker makes for `BrowserEnvironmentProvider`: a local headless
/// Chromium (or a running Chrome at `devtools_url`) over the DevTools Protocol, or a Neko
/// server. The server passes `factory()` to `StandardEnvironmentProvider` and to the
/// `BrowserSessionRegistry`.
public enum StandardEnvironments {
    /// `allowPrivateNetworks` (`HANGAR_ALLOW_PRIVATE_NETWORKS`) lets a launched browser reach
    /// private and loopback addresses; by default its egress proxy refuses them. A remote
    /// browser (`devtools_url`, Neko) is reached through an egress proxy too, with the same
    /// rule, unless its URL is one of `trustedEndpoints` — the operator's named environments.
    /// Where that remote browser's pages go is its own network's business.
    public static func factory(
        allowPrivateNetworks: Bool = false, trustedEndpoints: Set<String> = [], chromePath: String? = nil, endpointDecider: EgressDecider? = nil,
        logger: Logger = Logger(label: "hangar.browser")
    ) -> BrowserEnvironmentFactory {
        let network = NetworkPolicy.browsing(allowPrivateNetworks: allowPrivateNetworks)
        let egress = EndpointEgress(decider: endpointDecider ?? .policy(network))
        @Sendable func route(_ url: String) async throws -> EgressRoute? {
            trustedEndpoints.contains(url) ? nil : try await egress.route()
        }
        return { spec, resolution, mode in
            let options = CDPEnvironmentOptions(mode: mode == .phone ? .phone : .web, screen: resolution)
            switch spec {
            case .cdp(let path, nil):
                let launcher = ChromiumLauncher(executablePath: path ?? chromePath, network: network)
                return try await CDPEnvironment.launch(launcher, options: options, logger: logger)
            case .cdp(_, let address?):
                return try await CDPEnvironment.attach(to: address, options: options, logger: logger, route: try await route(address))
            case .neko(let url, let username, let password):
                return try await NekoEnvironment.connect(
                    NekoClient.Configuration(baseURL: url, username: username, password: password, route: try await route(url)), logger: logger)
            case .session(let id):
                throw HangarError.invalid(field: "environment", message: "session '\(id)' is leased from the session registry, not created")
            }
        }
    }
}
