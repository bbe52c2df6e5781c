import Foundation
public import HangarCore
import NIOPosix

/// What a tenant may point the browser layer at, decided by the operator:
///
/// - URLs a request supplies (a task's start `url`, a session's `url`, an agent's
///   `devtools_url` or Neko `url`) follow the network policy: no loopback, private,
///   link-local or metadata address unless `HANGAR_ALLOW_PRIVATE_NETWORKS`. They are checked
///   when the request arrives (422 naming the field) and again before Hangar connects.
/// - Endpoints on private networks, and Chromium binaries, are reached only through the
///   operator's named environments (`HANGAR_BROWSER_ENVIRONMENTS`).
///
/// Browsing itself is not limited to a domain list (visiting sites is the point), so the
/// policy's `allowedDomains` is always empty here.
public struct BrowserPolicy: Sendable, Hashable {
    public let network: NetworkPolicy
    public let environments: NamedEnvironments

    public init(allowPrivateNetworks: Bool = false, environments: NamedEnvironments = NamedEnvironments()) {
        self.network = NetworkPolicy(allowedDomains: [], allowPrivateNetworks: allowPrivateNetworks)
        self.environments = environments
    }

    static let hint = "HANGAR_ALLOW_PRIVATE_NETWORKS=true permits private hosts; an operator can also offer one as a named environment "
        + "(HANGAR_BROWSER_ENVIRONMENTS)"

    /// The no-DNS check, for validating a request synchronously (422 naming `field`).
    public func checkLiteral(_ url: String, field: String, schemes: Set<String> = ["http", "https"]) throws(HangarError) {
        if case .refused(let reason, let internalAddress) = network.checkLiteral(url: url, schemes: schemes) {
            throw HangarError.invalid(field: field, message: "is not allowed: \(reason)" + (internalAddress ? " (\(Self.hint))" : ""))
        }
    }

    /// The full check: the host's every address, resolved off the caller's thread.
    public func checkReachable(_ url: String, field: String, schemes: Set<String> = ["http", "https"]) async throws {
        try checkLiteral(url, field: field, schemes: schemes)
        // `check(url:)` knows http(s) only; a ws(s) DevTools URL is judged as its http twin.
        var components = URLComponents(string: url)
        if let scheme = components?.scheme?.lowercased(), scheme == "ws" || scheme == "wss" { components?.scheme = scheme == "ws" ? "http" : "https" }
        let candidate = components?.string ?? url
        let network = network
        let verdict = try await NIOThreadPool.singleton.runIfActive { network.check(url: candidate) }
        if case .refused(let reason, let internalAddress) = verdict {
            throw HangarError.invalid(field: field, message: "is not allowed: \(reason)" + (internalAddress ? " (\(Self.hint))" : ""))
        }
    }

    /// Checks the tenant's URLs in an agent's environment config (at agent create/update).
    public func validate(_ config: EnvironmentSpec.Config, field: String = "config.environment") async throws {
        switch config {
        case .cdp(nil):
            return
        case .cdp(let url?):
            try await checkReachable(url, field: field + ".devtools_url", schemes: ["http", "https", "ws", "wss"])
        case .neko(let url, _, _):
            try await checkReachable(url, field: field + ".url")
        case .named(let name):
            try checkName(name, field: field)
        }
    }

    /// The environment to start for a config: named ones from the operator's table, the
    /// tenant's URLs after the full check, a Neko password through `password` (which throws
    /// when the secret is missing).
    public func resolve(
        _ config: EnvironmentSpec.Config, field: String = "config.environment", password: (String) async throws -> String
    ) async throws -> EnvironmentSpec {
        switch config {
        case .cdp(let url):
            if let url { try await checkReachable(url, field: field + ".devtools_url", schemes: ["http", "https", "ws", "wss"]) }
            return .cdp(chromePath: nil, devtoolsURL: url)
        case .neko(let url, let username, let secretName):
            let secret = try await password(secretName)
            try await checkReachable(url, field: field + ".url")
            return .neko(url: url, username: username, password: secret)
        case .named(let name):
            try checkName(name, field: field)
            return environments[name]!
        }
    }

    private func checkName(_ name: String, field: String) throws(HangarError) {
        guard environments[name] == nil else { return }
        let known = environments.names
        throw HangarError.invalid(
            field: field,
            message: "names no environment '\(name)' of this server ("
                + (known.isEmpty ? "it defines none; an operator defines them in HANGAR_BROWSER_ENVIRONMENTS" : "defined: \(known.joined(separator: ", "))")
                + ")")
    }
}
