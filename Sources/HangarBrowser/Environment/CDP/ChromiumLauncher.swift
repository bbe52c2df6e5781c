import Foundation
import Logging

/// How to start a local headless Chromium (flags measured on these machines: TOOLCHAIN.md).
public struct ChromiumLauncher: Sendable {
    /// The binary; nil looks at `HANGAR_CHROME_PATH`, `CHROME_PATH`, then `PATH`.
    public var executablePath: String?
    /// The initial window size; the environment also pins the viewport by emulation.
    public var windowSize: ScreenSize
    /// `--no-sandbox`: nil decides by the user (root cannot use Chromium's sandbox).
    public var disableSandbox: Bool?
    /// How long Chromium may take to write `DevToolsActivePort` (slow on 2 busy cores).
    public var startTimeout: Duration
    /// Extra command-line switches, appended last.
    public var extraArguments: [String]

    public init(
        executablePath: String? = nil,
        windowSize: ScreenSize = ScreenSize(width: 1280, height: 720),
        disableSandbox: Bool? = nil,
        startTimeout: Duration = .seconds(30),
        extraArguments: [String] = []
    ) {
        self.executablePath = executablePath
        self.windowSize = windowSize
        self.disableSandbox = disableSandbox
        self.startTimeout = startTimeout
        self.extraArguments = extraArguments
    }

    /// The switches for a profile directory; the debugging port is chosen by Chromium (`0`).
    func arguments(userDataDir: String) -> [String] {
        var arguments = [
            "--headless=new",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            // Chrome refuses DevTools sockets whose Origin it was not told about. Our client
            // (swift-websocket) sends `ws://127.0.0.1`, an origin no web page can have, so
            // allowing exactly it keeps pages in this browser away from its debugging port.
            "--remote-allow-origins=\(DevToolsEndpoint.clientOrigin)",
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

    /// Starts Chromium in its own process group with a fresh profile and waits for its
    /// DevTools endpoint. Throws `ChromiumLaunchError`; never leaves a process behind.
    public func launch(logger: Logger = Logger(label: "hangar.chromium")) async throws -> ChromiumProcess {
        let binary = try ChromiumBinary.locate(explicit: executablePath)
        let root = try ChromiumProcess.makeTemporaryDirectory()
        let profile = root + "/profile"
        do {
            try FileManager.default.createDirectory(atPath: profile, withIntermediateDirectories: true)
        } catch {
            try? FileManager.default.removeItem(atPath: root)
            throw ChromiumLaunchError.spawnFailed(binary: binary, reason: "cannot create \(profile): \(error)")
        }
        let process = try ChromiumProcess.spawn(
            binary: binary, arguments: arguments(userDataDir: profile), directory: root, logger: logger)
        do {
            try await process.waitForDevTools(timeout: startTimeout)
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
    case noDevToolsPort(seconds: Double, log: String)

    public var description: String {
        switch self {
        case .notFound(let searched):
            "no Chromium found (looked for \(searched.joined(separator: ", "))): "
                + "install it with `apt-get install -y --no-install-recommends chromium` or set HANGAR_CHROME_PATH"
        case .spawnFailed(let binary, let reason): "cannot start \(binary): \(reason)"
        case .exitedEarly(let status, let log): "Chromium exited with status \(status) before DevTools was up: \(log)"
        case .noDevToolsPort(let seconds, let log): "Chromium wrote no DevToolsActivePort within \(seconds) s: \(log)"
        }
    }
}
