import Foundation
import HangarErrorText
import HangarCore
import Logging

/// How to start a local headless Chromium (flags measured on these machines: TOOLCHAIN.md).
///
/// Every launched browser is isolated: DevTools runs over a pipe (`--remote-debugging-pipe`),
/// so no port exists for another tenant's page or process to attach to; and all its traffic
/// goes through its own SOCKS5 egress proxy, which applies `network` to every connection —
/// navigations, redirects, subresources, fetch and WebSockets alike.
public struct ChromiumLauncher: Sendable {
    /// The binary; nil looks at `HANGAR_CHROME_PATH`, `CHROME_PATH`, then `PATH`.
    public var executablePath: String?
    /// The initial window size; the environment also pins the viewport by emulation.
    public var windowSize: ScreenSize
    /// `--no-sandbox`: nil decides by the user (root cannot use Chromium's sandbox).
    public var disableSandbox: Bool?
    /// How long Chromium may take to answer its first DevTools command (slow on 2 busy cores).
    public var startTimeout: Duration
    /// Extra command-line switches, appended last.
    public var extraArguments: [String]
    /// Where pages may connect: any public host; private networks only if allowed
    /// (`HANGAR_ALLOW_PRIVATE_NETWORKS`).
    public var network: NetworkPolicy
    /// Replaces `network`'s decisions (tests mark a loopback origin as public); nil uses `network`.
    public var egress: EgressDecider?

    public init(
        executablePath: String? = nil,
        windowSize: ScreenSize = ScreenSize(width: 1280, height: 720),
        disableSandbox: Bool? = nil,
        startTimeout: Duration = .seconds(30),
        extraArguments: [String] = [],
        network: NetworkPolicy = .browsing(allowPrivateNetworks: false),
        egress: EgressDecider? = nil
    ) {
        self.executablePath = executablePath
        self.windowSize = windowSize
        self.disableSandbox = disableSandbox
        self.startTimeout = startTimeout
        self.extraArguments = extraArguments
        self.network = network
        self.egress = egress
    }

    /// The switches for a profile directory and the egress proxy's port.
    func arguments(userDataDir: String, proxyPort: Int) -> [String] {
        var arguments = [
            "--headless=new",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            // DevTools on fds 3 and 4: no listening socket at all.
            "--remote-debugging-pipe",
            "--proxy-server=socks5://127.0.0.1:\(proxyPort)",
            // Chromium never proxies loopback by default; `<-loopback>` removes that exception
            // so 127.0.0.1 and localhost meet the policy like any host.
            "--proxy-bypass-list=<-loopback>",
            // QUIC and WebRTC's UDP would not go through a SOCKS5 CONNECT proxy.
            "--disable-quic",
            "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
            "--user-data-dir=\(userDataDir)",
            "--window-size=\(windowSize.width),\(windowSize.height)",
            "--no-first-run",
            "--no-default-browser-check",
            "--mute-audio",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--password-store=basic",
        ]
        if disableSandbox ?? (geteuid() == 0) { arguments.append("--no-sandbox") }
        arguments += extraArguments
        arguments.append("about:blank")
        return arguments
    }

    /// Starts the egress proxy, then Chromium in its own process group with a fresh profile,
    /// and waits until it answers over the DevTools pipe (`process.connection`). Throws
    /// `ChromiumLaunchError`; never leaves a process, descriptor or listener behind.
    public func launch(commandTimeout: Duration = .seconds(30), logger: Logger = Logger(label: "hangar.chromium")) async throws -> ChromiumProcess {
        let binary = try ChromiumBinary.locate(explicit: executablePath)
        let proxy: EgressProxy
        do {
            proxy = try await EgressProxy.start(decider: egress ?? .policy(network), logger: logger)
        } catch {
            throw ChromiumLaunchError.egressProxyFailed(reason: ErrorText.describe(error))
        }
        let process: ChromiumProcess
        do {
            let root = try ChromiumProcess.makeTemporaryDirectory()
            let profile = root + "/profile"
            do {
                try FileManager.default.createDirectory(atPath: profile, withIntermediateDirectories: true)
            } catch {
                try? FileManager.default.removeItem(atPath: root)
                throw ChromiumLaunchError.spawnFailed(binary: binary, reason: "cannot create \(profile): \(ErrorText.describe(error))")
            }
            process = try ChromiumProcess.spawn(
                binary: binary, arguments: arguments(userDataDir: profile, proxyPort: proxy.port), directory: root, proxy: proxy,
                logger: logger)
        } catch {
            proxy.close()
            throw error
        }
        do {
            _ = try await process.connect(startTimeout: startTimeout, commandTimeout: commandTimeout)
            return process
        } catch {
            await process.terminate()
            throw error
        }
    }
}

public enum ChromiumLaunchError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(searched: [String])
    case spawnFailed(binary: String, reason: String)
    case exitedEarly(status: Int32, log: String)
    /// No answer to `Browser.getVersion` over the DevTools pipe in time.
    case devToolsUnresponsive(seconds: Double, reason: String, log: String)
    case egressProxyFailed(reason: String)

    public var description: String {
        switch self {
        case .notFound(let searched):
            "no Chromium found (looked for \(searched.joined(separator: ", "))): "
                + "install it with `apt-get install -y --no-install-recommends chromium` or set HANGAR_CHROME_PATH"
        case .spawnFailed(let binary, let reason): "cannot start \(binary): \(reason)"
        case .exitedEarly(let status, let log): "Chromium exited with status \(status) before DevTools was up: \(log)"
        case .devToolsUnresponsive(let seconds, let reason, let log):
            "Chromium did not answer over the DevTools pipe within \(seconds) s (\(reason)): \(log)"
        case .egressProxyFailed(let reason): "cannot start the browser's egress proxy: \(reason)"
        }
    }
}
