import Foundation
import HangarBrowser
import HangarCore

extension ChromiumLauncher {
    /// The fixture sites run on 127.0.0.1: tests of other things than egress let the browser
    /// reach private networks, as `HANGAR_ALLOW_PRIVATE_NETWORKS=true` would.
    static let loopbackSites = ChromiumLauncher(network: .browsing(allowPrivateNetworks: true))

    /// A browser that also listens for DevTools on a loopback port, as a remote Chrome for
    /// attach mode does (and as Hangar's own browsers no longer do).
    static let withDebuggingPort = ChromiumLauncher(
        extraArguments: ["--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--remote-allow-origins=ws://127.0.0.1"],
        network: .browsing(allowPrivateNetworks: true))
}

extension ChromiumProcess {
    /// The DevTools port a browser started with `--remote-debugging-port=0` wrote to its
    /// profile (line 1: port, line 2: browser socket path), waiting up to 10 s.
    func debuggingEndpoint() async throws -> (port: Int, browserPath: String) {
        let file = directory + "/profile/DevToolsActivePort"
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: file, encoding: .utf8) {
                let lines = text.split(whereSeparator: \.isNewline)
                if lines.count >= 2, let port = Int(lines[0]), port > 0 { return (port, String(lines[1])) }
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw CDPError.connectFailed(url: file, reason: "no DevToolsActivePort")
    }
}
