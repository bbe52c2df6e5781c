import Foundation
import HangarBrowser
import HangarCore
import Testing

/// Real headless Chromium against pages served on loopback. A missing Chromium fails these
/// tests with the install command (ChromiumLaunchError.notFound); they never skip.
@Suite("CDP environment on headless Chromium", .serialized, .timeLimit(.minutes(5)))
struct CDPEnvironmentTests {
    @Test("form: CLICK, INPUT, SELECT and ENTER submit the fields the server receives")
    func formWithEnter() async throws {
        try await FixtureSite.serve { site, base in
            try await withEnvironment { env in
                try await env.navigate(to: base + "/form")
                #expect(try await env.page() == PageInfo(url: base + "/form", title: "Sign up"))

                try await env.perform(BrowserAction(kind: .select, value: "deep blue", position: try await centre(of: "#colour", in: env)))
                try await env.perform(BrowserAction(kind: .click, position: try await centre(of: "#name", in: env)))
                #expect(try await env.evaluate("document.activeElement.id") == "name")
                try await env.perform(BrowserAction(kind: .input, value: "Ada Lovelace"))
                try await env.perform(
                    BrowserAction(kind: .input, value: "ada@example.com", position: try await centre(of: "#email", in: env)))
                try await env.perform(BrowserAction(kind: .enter))

                #expect(await site.submissions == [["name": "Ada Lovelace", "email": "ada@example.com", "colour": "blue"]])
                // ENTER started a navigation; perform waited for the response page.
                #expect(try await env.page() == PageInfo(url: base + "/submit", title: "Thanks"))
            }
        }
    }

    @Test("form: INPUT replaces a field's text, CLICK on submit posts it")
    func formWithSubmitButton() async throws {
        try await FixtureSite.serve { site, base in
            try await withEnvironment { env in
                try await env.navigate(to: base + "/form")
                let name = try await centre(of: "#name", in: env)
                try await env.perform(BrowserAction(kind: .input, value: "first try", position: name))
                try await env.perform(BrowserAction(kind: .input, value: "Grace Hopper", position: name))
                try await env.perform(BrowserAction(kind: .click, position: try await centre(of: "#send", in: env)))

                #expect(await site.submissions == [["name": "Grace Hopper", "email": "", "colour": "red"]])
                #expect(try await env.page().title == "Thanks")
            }
        }
    }

    @Test("SELECT on a <select> changes its value and fires change; an unknown option is an error")
    func selectOption() async throws {
        try await FixtureSite.serve { _, base in
            try await withEnvironment { env in
                try await env.navigate(to: base + "/form")
                let colour = try await centre(of: "#colour", in: env)
                try await env.perform(BrowserAction(kind: .select, value: "Green", position: colour))
                #expect(try await env.evaluate("document.getElementById('colour').value") == "green")
                #expect(try await env.evaluate("window.changes") == 1)

                await #expect(throws: BrowserActionError.optionNotFound(value: "Purple", available: ["Red", "Green", "Deep Blue"])) {
                    try await env.perform(BrowserAction(kind: .select, value: "Purple", position: colour))
                }
                #expect(try await env.evaluate("document.getElementById('colour').value") == "green")
            }
        }
    }

    @Test("SCROLL down moves the page, SCROLL up brings it back, right scrolls sideways")
    func scroll() async throws {
        try await FixtureSite.serve { _, base in
            try await withEnvironment { env in
                try await env.navigate(to: base + "/long")
                #expect(try await scrollY(env) == 0)
                try await env.perform(BrowserAction(kind: .scroll, value: "down"))
                let down = try await waitFor(env, "window.scrollY") { $0 > 0 }
                #expect(down > 0)
                try await env.perform(BrowserAction(kind: .scroll, value: "UP", position: RelativePoint(x: 0.3, y: 0.3)))
                let up = try await waitFor(env, "window.scrollY") { $0 < down }
                #expect(up < down)
                try await env.perform(BrowserAction(kind: .scroll, value: "right"))
                #expect(try await waitFor(env, "window.scrollX") { $0 > 0 } > 0)

                await #expect(throws: BrowserActionError.unknownDirection("sideways")) {
                    try await env.perform(BrowserAction(kind: .scroll, value: "sideways"))
                }
            }
        }
    }

    @Test("screenshots are JPEGs of the configured viewport", arguments: [
        ScreenSize(width: 1280, height: 720), ScreenSize(width: 1920, height: 1080),
    ])
    func screenshotSize(screen: ScreenSize) async throws {
        try await FixtureSite.serve { _, base in
            try await withEnvironment(CDPEnvironmentOptions(screen: screen)) { env in
                try await env.navigate(to: base + "/long")
                #expect(try await env.screenSize() == screen)
                #expect(try await env.evaluate("[innerWidth, innerHeight]") == [.int(Int64(screen.width)), .int(Int64(screen.height))])
                let jpeg = try await env.screenshot(quality: 85)
                let size = try #require(JPEGInfo.size(of: Array(jpeg)))
                #expect(size.width == screen.width && size.height == screen.height)

                let lower = try await env.screenshot(quality: 10)
                #expect(lower.count < jpeg.count)
                let crop = try await env.screenshot(quality: 80, clip: (x: 10, y: 20, width: 300, height: 200))
                let cropSize = try #require(JPEGInfo.size(of: Array(crop)))
                #expect(cropSize.width == 300 && cropSize.height == 200)
            }
        }
    }

    @Test("phone mode: touch emulation, TAP clicks through touch events, SWIPE up scrolls down")
    func phoneMode() async throws {
        try await FixtureSite.serve { _, base in
            let options = CDPEnvironmentOptions(mode: .phone, screen: ScreenSize(width: 412, height: 915))
            try await withEnvironment(options) { env in
                try await env.navigate(to: base + "/tap")
                #expect(try await env.evaluate("'ontouchstart' in window && navigator.maxTouchPoints > 0") == true)
                try await env.perform(BrowserAction(kind: .tap, position: RelativePoint(x: 0.5, y: 0.25)))
                #expect(try await env.evaluate("[window.touches, window.taps]") == [1, 1])

                try await env.navigate(to: base + "/long")
                try await env.perform(BrowserAction(kind: .swipe, value: "up"))
                #expect(try await waitFor(env, "window.scrollY") { $0 > 0 } > 0)
            }
        }
    }

    @Test("SELECT_TEXT drags a selection; COPY publishes it to the page")
    func selectTextAndCopy() async throws {
        try await FixtureSite.serve { _, base in
            try await withEnvironment { env in
                try await env.navigate(to: base + "/text")
                let box = try await env.evaluate(
                    """
                    (() => { const r = document.getElementById('p').getBoundingClientRect();
                      return [r.left / innerWidth, r.right / innerWidth, (r.top + r.height / 2) / innerHeight]; })()
                    """)
                let values = box.arrayValue?.compactMap(\.doubleValue) ?? []
                try #require(values.count == 3)
                try await env.perform(
                    BrowserAction(
                        kind: .selectText, position: RelativePoint(x: values[0] + 0.001, y: values[2]),
                        endPosition: RelativePoint(x: values[1] + 0.05, y: values[2])))
                #expect(try await env.evaluate("String(window.getSelection())") == "Hello selectable world")

                try await env.perform(BrowserAction(kind: .copy))
                #expect(env.copiedText == "Hello selectable world")
                try await env.perform(BrowserAction(kind: .copy, value: "explicit"))
                #expect(try await env.evaluate("window.__hangarClipboard") == "explicit")
            }
        }
    }

    @Test("actions without what they need are refused with a clear error")
    func malformedActions() async throws {
        try await withEnvironment { env in
            await #expect(throws: BrowserActionError.missingPosition(.click)) { try await env.perform(BrowserAction(kind: .click)) }
            await #expect(throws: BrowserActionError.missingValue(.input)) { try await env.perform(BrowserAction(kind: .input)) }
            await #expect(throws: BrowserActionError.missingValue(.scroll)) { try await env.perform(BrowserAction(kind: .scroll)) }
            try await env.perform(BrowserAction(kind: .answer, value: "42"))
        }
    }

    @Test("CDP errors carry the browser's message; navigation errors name the reason")
    func protocolErrors() async throws {
        try await withEnvironment { env in
            do {
                try await env.tab.send("Nope.notAMethod")
                Issue.record("expected a protocol error")
            } catch let error as CDPError {
                guard case .protocolError(let method, _, let message) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(method == "Nope.notAMethod")
                #expect(message.contains("wasn't found"))
            }
            await #expect(throws: CDPError.self) { try await env.navigate(to: "http://127.0.0.1:1/") }
            do {
                try await env.evaluate("throw new Error('boom')")
                Issue.record("expected a page exception")
            } catch CDPError.javascriptException(let text) {
                #expect(text.contains("boom"))
            }
            await #expect(throws: CDPError.timeout(method: "Runtime.evaluate", seconds: 0.3)) {
                try await env.tab.send("Runtime.evaluate", ["expression": "new Promise(() => {})", "awaitPromise": true], timeout: .milliseconds(300))
            }
            // Still usable afterwards.
            #expect(try await env.evaluate("1 + 1") == 2)
            // Once closed, commands fail at once instead of waiting for their timeout.
            await env.tab.connection.close()
            await #expect(throws: CDPError.connectionClosed(reason: "closed by the client")) { try await env.evaluate("1") }
        }
    }

    @Test("attach: a Chrome reached by its http://host:port gets its own tab, closed again")
    func attachOverHTTP() async throws {
        let process = try await ChromiumLauncher.withDebuggingPort.launch()
        do {
            let (port, browserPath) = try await process.debuggingEndpoint()
            try await FixtureSite.serve { _, base in
                let env = try await CDPEnvironment.attach(to: "http://127.0.0.1:\(port)")
                do {
                    try await env.navigate(to: base + "/form")
                    #expect(try await env.page().title == "Sign up")
                    let jpeg = try await env.screenshot(quality: 80)
                    #expect(JPEGInfo.size(of: Array(jpeg))?.width == 1280)
                } catch {
                    await env.close()
                    throw error
                }
                await env.close()
            }
            // Our tab is gone; the browser's own first tab remains.
            let inspector = try await CDPEnvironment.attach(to: "ws://127.0.0.1:\(port)\(browserPath)")
            let targets = try await inspector.tab.connection.send("Target.getTargets")["targetInfos"]?.arrayValue ?? []
            #expect(!targets.contains { $0["url"]?.stringValue?.hasSuffix("/form") == true })
            await inspector.close()
        } catch {
            await process.terminate()
            throw error
        }
        await process.terminate()
    }

    @Test("the launcher leaves no process and no directory behind")
    func launcherCleansUp() async throws {
        let env = try await CDPEnvironment.launch()
        #expect(try await env.evaluate("location.href") == "about:blank")
        let group = try #require(env.process?.pid)
        #expect(processesInGroup(group).count > 1)  // the browser really has children to clean up
        await env.close()
        await env.close()  // idempotent
        #expect(await groupIsGone(group))

        let process = try await ChromiumLauncher().launch()
        let pid = process.pid, directory = process.directory
        #expect(FileManager.default.fileExists(atPath: directory))
        #expect(!processesInGroup(pid).isEmpty)
        await process.terminate()
        #expect(await groupIsGone(pid))
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test("a wrong explicit Chromium path fails with the install hint")
    func missingBinary() async throws {
        let launcher = ChromiumLauncher(executablePath: "/nonexistent/chromium")
        do {
            _ = try await launcher.launch()
            Issue.record("expected notFound")
        } catch let error as ChromiumLaunchError {
            #expect(error == .notFound(searched: ["/nonexistent/chromium"]))
            #expect(error.description.contains("apt-get install -y --no-install-recommends chromium"))
        }
    }
}

// MARK: - Helpers

func withEnvironment(
    _ options: CDPEnvironmentOptions = CDPEnvironmentOptions(), _ body: (CDPEnvironment) async throws -> Void
) async throws {
    let env = try await CDPEnvironment.launch(.loopbackSites, options: options)
    do {
        try await body(env)
    } catch {
        await env.close()
        throw error
    }
    await env.close()
}

/// The centre of the element matching `selector`, in relative screen coordinates.
func centre(of selector: String, in env: CDPEnvironment) async throws -> RelativePoint {
    let quoted = JSONText.encode(.string(selector))
    let value = try await env.evaluate(
        """
        (() => { const r = document.querySelector(\(quoted)).getBoundingClientRect();
          return [(r.left + r.width / 2) / innerWidth, (r.top + r.height / 2) / innerHeight]; })()
        """
    )
    let numbers = value.arrayValue?.compactMap(\.doubleValue) ?? []
    try #require(numbers.count == 2, "no element \(selector)")
    return RelativePoint(x: numbers[0], y: numbers[1])
}

func scrollY(_ env: CDPEnvironment) async throws -> Double {
    try await env.evaluate("window.scrollY").doubleValue ?? -1
}

/// Polls `expression` (a number) until `condition` holds or 3 s pass; scrolling is asynchronous.
func waitFor(_ env: CDPEnvironment, _ expression: String, _ condition: (Double) -> Bool) async throws -> Double {
    let deadline = ContinuousClock.now + .seconds(3)
    var value = try await env.evaluate(expression).doubleValue ?? .nan
    while !condition(value), ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(50))
        value = try await env.evaluate(expression).doubleValue ?? .nan
    }
    return value
}

/// Live (not zombie) processes whose process group is `group`, from /proc.
func processesInGroup(_ group: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> pid_t? in
        guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8) else { return nil }
        // "pid (comm) state ppid pgrp …": split after the last ')' since comm may contain spaces.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 2, fields[0] != "Z", pid_t(fields[2]) == group else { return nil }
        return pid
    }
}

/// Zombies wait for init to reap them; only live processes count. Polls for up to 3 s.
func groupIsGone(_ group: pid_t) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(3)
    while !processesInGroup(group).isEmpty {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return true
}
