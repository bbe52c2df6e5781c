import HangarCore
public import Logging

/// The environments a worker makes for `BrowserEnvironmentProvider`: a local headless
/// Chromium (or a running Chrome at `devtools_url`) over the DevTools Protocol, or a Neko
/// server. The server passes `factory()` to `StandardEnvironmentProvider` and to the
/// `BrowserSessionRegistry`.
public enum StandardEnvironments {
    /// `allowPrivateNetworks` (`HANGAR_ALLOW_PRIVATE_NETWORKS`) lets a launched browser reach
    /// private and loopback addresses; by default its egress proxy refuses them. A browser
    /// reached at `devtools_url` or through Neko is outside Hangar's proxy: its own network
    /// decides where it goes.
    public static func factory(allowPrivateNetworks: Bool = false, logger: Logger = Logger(label: "hangar.browser")) -> BrowserEnvironmentFactory {
        { spec, resolution, mode in
            let options = CDPEnvironmentOptions(mode: mode == .phone ? .phone : .web, screen: resolution)
            switch spec {
            case .cdp(let path, nil):
                let launcher = ChromiumLauncher(executablePath: path, network: .browsing(allowPrivateNetworks: allowPrivateNetworks))
                return try await CDPEnvironment.launch(launcher, options: options, logger: logger)
            case .cdp(_, let address?):
                return try await CDPEnvironment.attach(to: address, options: options, logger: logger)
            case .neko(let url, let username, let password):
                return try await NekoEnvironment.connect(
                    NekoClient.Configuration(baseURL: url, username: username, password: password), logger: logger)
            case .session(let id):
                throw HangarError.invalid(field: "environment", message: "session '\(id)' is leased from the session registry, not created")
            }
        }
    }
}
