import AsyncHTTPClient
import Foundation
import HangarCore
import Logging
import Synchronization

/// A browser driven over the Chrome DevTools Protocol: a local headless Chromium this
/// environment launched (and owns), or a remote Chrome it attached to.
public final class CDPEnvironment: BrowserEnvironment {
    public let kind = "cdp"
    /// The tab being driven; exposed for callers that need raw CDP (tests, benchmarks).
    public let tab: CDPPage
    public let options: CDPEnvironmentOptions
    /// The last COPY's text (see `perform`).
    public var copiedText: String? { clipboard.withLock { $0 } }

    let loads: PageLoadTracker
    let clipboard = Mutex<String?>(nil)
    /// The Chromium this environment launched and owns; nil when attached.
    public let process: ChromiumProcess?
    /// A tab we created on a shared browser is closed again; a launched browser just dies.
    private let createdTargetId: String?
    private let eventPump: Task<Void, Never>
    private let closed = Mutex(false)
    private let logger: Logger

    private init(
        tab: CDPPage, options: CDPEnvironmentOptions, process: ChromiumProcess?, createdTargetId: String?, logger: Logger
    ) {
        self.tab = tab
        self.options = options
        self.process = process
        self.createdTargetId = createdTargetId
        self.logger = logger
        let loads = PageLoadTracker()
        self.loads = loads
        let events = tab.connection.events()
        let sessionId = tab.sessionId
        self.eventPump = Task {
            for await event in events where event.sessionId == sessionId { loads.record(event) }
            loads.cancelAll()
        }
    }

    /// Launches a local headless Chromium sized to `options.screen` and drives its first tab.
    public static func launch(
        _ launcher: ChromiumLauncher = ChromiumLauncher(),
        options: CDPEnvironmentOptions = CDPEnvironmentOptions(),
        logger: Logger = Logger(label: "hangar.cdp")
    ) async throws -> CDPEnvironment {
        var launcher = launcher
        launcher.windowSize = options.screen
        let process = try await launcher.launch(commandTimeout: options.commandTimeout, logger: logger)
        do {
            guard let connection = process.connection else { throw CDPError.connectionClosed(reason: "no DevTools pipe") }
            return try await open(connection: connection, options: options, process: process, logger: logger)
        } catch {
            await process.terminate()
            throw error
        }
    }

    /// Attaches to a running Chrome: `http://host:port` (its debugging address) or a
    /// DevTools WebSocket URL. Uses an existing page, or opens one (closed again on `close`).
    /// `route`: reach it through an egress proxy (an address a tenant named); nil connects
    /// directly (an operator's named environment, tests).
    public static func attach(
        to address: String,
        options: CDPEnvironmentOptions = CDPEnvironmentOptions(),
        logger: Logger = Logger(label: "hangar.cdp"),
        route: EgressRoute? = nil
    ) async throws -> CDPEnvironment {
        let url = try await DevToolsEndpoint.webSocketURL(for: address, client: route?.http ?? .shared)
        let connection = try await CDPConnection.connect(to: url, commandTimeout: options.commandTimeout, logger: logger, route: route)
        do {
            return try await open(connection: connection, options: options, process: nil, logger: logger)
        } catch {
            await connection.close()
            throw error
        }
    }

    private static func open(
        connection: CDPConnection, options: CDPEnvironmentOptions, process: ChromiumProcess?, logger: Logger
    ) async throws -> CDPEnvironment {
        var sessionId: String?
        var createdTargetId: String?
        if !DevToolsEndpoint.isPageSocket(connection.url) {
            let targets = try await connection.send("Target.getTargets")["targetInfos"]?.arrayValue ?? []
            var targetId = targets.first { $0["type"]?.stringValue == "page" && $0["attached"]?.boolValue != true }?["targetId"]?
                .stringValue
            // A launched browser's first tab is ours; on a shared browser, open our own.
            if targetId == nil || process == nil {
                targetId = try await connection.send("Target.createTarget", ["url": "about:blank"])["targetId"]?.stringValue
                createdTargetId = process == nil ? targetId : nil
            }
            guard let targetId else { throw CDPError.noPageTarget }
            let attached = try await connection.send("Target.attachToTarget", ["targetId": .string(targetId), "flatten": true])
            guard let id = attached["sessionId"]?.stringValue else {
                throw CDPError.malformedReply(method: "Target.attachToTarget", detail: "no sessionId")
            }
            sessionId = id
        }
        let environment = CDPEnvironment(
            tab: CDPPage(connection: connection, sessionId: sessionId), options: options, process: process,
            createdTargetId: createdTargetId, logger: logger)
        do {
            try await environment.configure()
        } catch {
            await environment.close()
            throw error
        }
        return environment
    }

    /// Events on, viewport pinned, touch and mobile emulation for phone mode.
    private func configure() async throws {
        try await tab.send("Page.enable")
        let phone = options.mode == .phone
        try await tab.send(
            "Emulation.setDeviceMetricsOverride",
            [
                "width": .int(Int64(options.screen.width)), "height": .int(Int64(options.screen.height)),
                "deviceScaleFactor": 1, "mobile": .bool(phone),
                "screenWidth": .int(Int64(options.screen.width)), "screenHeight": .int(Int64(options.screen.height)),
            ])
        if phone {
            try await tab.send("Emulation.setTouchEmulationEnabled", ["enabled": true, "maxTouchPoints": 5])
            try await tab.send(
                "Emulation.setUserAgentOverride", ["userAgent": .string(options.userAgent ?? CDPEnvironmentOptions.phoneUserAgent)])
        }
        let tree = try await tab.send("Page.getFrameTree")
        loads.setMainFrame(tree["frameTree"]?["frame"]?["id"]?.stringValue)
    }

    public func screenSize() async throws -> ScreenSize { options.screen }

    public func screenshot(quality: Int) async throws -> Data {
        try await screenshot(quality: quality, clip: nil)
    }

    /// A JPEG of the viewport, or of `clip` (CSS pixels) for refinement crops.
    public func screenshot(quality: Int, clip: (x: Int, y: Int, width: Int, height: Int)?) async throws -> Data {
        var params: [String: JSONValue] = [
            "format": "jpeg", "quality": .int(Int64(min(max(quality, 1), 100))), "captureBeyondViewport": false,
        ]
        if let clip {
            params["clip"] = [
                "x": .int(Int64(clip.x)), "y": .int(Int64(clip.y)), "width": .int(Int64(max(clip.width, 1))),
                "height": .int(Int64(max(clip.height, 1))), "scale": 1,
            ]
        }
        let reply = try await tab.send("Page.captureScreenshot", params)
        guard let base64 = reply["data"]?.stringValue, let data = Data(base64Encoded: base64) else {
            throw CDPError.malformedReply(method: "Page.captureScreenshot", detail: "no base64 data")
        }
        return data
    }

    public func navigate(to url: String) async throws {
        let before = loads.snapshot
        let started = ContinuousClock.now
        let reply = try await tab.send("Page.navigate", ["url": .string(url)])
        if let error = reply["errorText"]?.stringValue, !error.isEmpty {
            // Chromium only says the proxy failed; the proxy knows what it refused and why.
            let refusals = error.contains("SOCKS") || error.contains("PROXY") ? process?.proxy?.refusals(since: started) ?? [] : []
            let host = URLComponents(string: url)?.host?.lowercased()
            if let refusal = refusals.first(where: { $0.host == host }) ?? refusals.last {
                throw CDPError.refusedByNetworkPolicy(url: url, host: refusal.host, reason: refusal.reason, internalAddress: refusal.internalAddress)
            }
            throw CDPError.navigationFailed(url: url, reason: error)
        }
        // No loaderId: a same-document navigation (a #fragment), nothing will load.
        guard reply["loaderId"]?.stringValue != nil else { return }
        if !(await loads.waitForLoad(above: before.loads, timeout: options.navigationTimeout)) {
            logger.debug("navigation still loading after the timeout", metadata: ["url": "\(url)"])
        }
    }

    public func page() async throws -> PageInfo {
        let value = try await tab.evaluate("({url: location.href, title: document.title})")
        return PageInfo(url: value["url"]?.stringValue, title: value["title"]?.stringValue)
    }

    /// Runs `expression` in the page (the environment's own helpers, tests).
    @discardableResult
    public func evaluate(_ expression: String) async throws -> JSONValue {
        try await tab.evaluate(expression)
    }

    public func close() async {
        let wasClosed = closed.withLock { closed -> Bool in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        if let createdTargetId {
            _ = try? await tab.connection.send("Target.closeTarget", ["targetId": .string(createdTargetId)], timeout: .seconds(2))
        }
        if process != nil {
            // A clean browser exit takes its renderers with it; the reply may never come.
            _ = try? await tab.connection.send("Browser.close", timeout: .seconds(2))
        }
        await tab.connection.close()
        eventPump.cancel()
        loads.cancelAll()
        await process?.terminate(grace: .seconds(2))
    }
}
