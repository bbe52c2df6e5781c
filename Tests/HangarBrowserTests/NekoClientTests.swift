import Foundation
import HangarBrowser
import HangarCore
import HangarTestSupport
import Testing

/// NekoEnvironment against a stand-in speaking Neko v3's wire protocol.
@Suite("Neko client and environment", .timeLimit(.minutes(2)))
struct NekoClientTests {
    static func configuration(_ base: String, user: String = "admin", password: String = "neko-admin") -> NekoClient.Configuration {
        NekoClient.Configuration(baseURL: base, username: user, password: password, connectTimeout: .seconds(5))
    }

    static func announce(_ action: BrowserAction) -> NekoEvent {
        let text = "[agent] Action: " + JSONText.encode(action.json)
        return NekoEvent(NekoEvent.Name.chatMessage, ["text": .string(text), "content": .string(text)])
    }

    static func event(_ name: String, _ payload: JSONValue) -> NekoEvent { NekoEvent(name, payload) }

    @Test("login, system/init, heartbeat answered, control taken; CLICK, INPUT, SCROLL, ENTER as v3 events")
    func actions() async throws {
        let server = NekoStandIn()
        try await server.serve { base in
            try await withNeko(Self.configuration(base), options: .init(settleDelay: .zero)) { env in
                #expect(try await env.screenSize() == ScreenSize(width: 1280, height: 720))
                #expect(env.client.isHost)
                #expect(env.client.sessionId == NekoStandIn.sessionId)
                #expect(env.client.token == "tok+en/admin=")
                #expect(await server.waitForActions(1) == [NekoEvent(NekoEvent.Name.controlRequest)])
                // The heartbeat the server sent right after init was answered (the answer may still
                // be on its way when control is granted: wait for it).
                #expect(await eventually(timeout: .seconds(5)) { await server.received.contains(NekoEvent(NekoEvent.Name.clientHeartbeat)) })
                await server.clear()

                let click = BrowserAction(kind: .click, position: RelativePoint(x: 0.5, y: 0.25))
                try await env.perform(click)
                let input = BrowserAction(kind: .input, value: "Hi!", position: RelativePoint(x: 0.1, y: 0.9))
                try await env.perform(input)
                let scroll = BrowserAction(kind: .scroll, value: "down")
                try await env.perform(scroll)
                let scrollRight = BrowserAction(kind: .scroll, value: "right")
                try await env.perform(scrollRight)
                let enter = BrowserAction(kind: .enter)
                try await env.perform(enter)

                let down = Self.event(NekoEvent.Name.controlScroll, ["delta_x": 0, "delta_y": -1])
                let right = Self.event(NekoEvent.Name.controlScroll, ["delta_x": 1, "delta_y": 0])
                let expected: [NekoEvent] =
                    [
                        Self.announce(click),
                        Self.event(NekoEvent.Name.controlMove, ["x": 640, "y": 180]),
                        Self.event(NekoEvent.Name.controlButtonPress, ["code": 1, "x": 640, "y": 180]),
                        Self.announce(input),
                        Self.event(NekoEvent.Name.controlMove, ["x": 128, "y": 648]),
                        Self.event(NekoEvent.Name.controlButtonPress, ["code": 1, "x": 128, "y": 648]),
                        Self.event(NekoEvent.Name.controlKeyPress, ["keysym": 0x48]),  // H
                        Self.event(NekoEvent.Name.controlKeyPress, ["keysym": 0x69]),  // i
                        Self.event(NekoEvent.Name.controlKeyPress, ["keysym": 0x21]),  // !
                        Self.announce(scroll),
                    ] + Array(repeating: down, count: 5) + [Self.announce(scrollRight)] + Array(repeating: right, count: 5) + [
                        Self.announce(enter),
                        Self.event(NekoEvent.Name.controlKeyPress, ["keysym": 0xFF0D]),
                    ]
                let actions = await server.waitForActions(expected.count)
                #expect(actions == expected)
                #expect(Self.announce(click).payload?["text"] == "[agent] Action: {\"action\":\"CLICK\",\"position\":[0.5,0.25],\"value\":null}")
                // Never the original agent's ±120 per step.
                #expect(!actions.contains { abs($0.payload?["delta_y"]?.intValue ?? 0) > 1 || abs($0.payload?["delta_x"]?.intValue ?? 0) > 1 })
            }
        }
    }

    @Test("navigate: ctrl+L, the URL, Return; paste mode sends control/paste")
    func navigateAndPaste() async throws {
        let server = NekoStandIn()
        try await server.serve { base in
            try await withNeko(
                Self.configuration(base), options: .init(typing: .paste, announceActions: false, settleDelay: .zero)) { env in
                _ = await server.waitForActions(1)
                await server.clear()

                try await env.navigate(to: "http://a.b/é")
                try await env.perform(BrowserAction(kind: .input, value: "Grüße, 世界"))
                let expected = [
                    Self.event(NekoEvent.Name.controlKeyDown, ["keysym": 0xFFE3]),
                    Self.event(NekoEvent.Name.controlKeyPress, ["keysym": 0x6C]),
                    Self.event(NekoEvent.Name.controlKeyUp, ["keysym": 0xFFE3]),
                    Self.event(NekoEvent.Name.controlPaste, ["text": "http://a.b/é"]),
                    Self.event(NekoEvent.Name.controlKeyPress, ["keysym": 0xFF0D]),
                    Self.event(NekoEvent.Name.controlPaste, ["text": "Grüße, 世界"]),
                ]
                #expect(await server.waitForActions(expected.count) == expected)
                #expect(try await env.page() == PageInfo())
            }
        }
    }

    @Test("keysyms: ASCII and Latin-1 as themselves, other scripts as Unicode keysyms, newline as Return")
    func keysyms() {
        #expect(NekoKeysym.forText("aZ ~") == [0x61, 0x5A, 0x20, 0x7E])
        #expect(NekoKeysym.forText("é") == [0xE9])
        #expect(NekoKeysym.forText("世") == [0x0100_4E16])
        #expect(NekoKeysym.forText("a\r\nb\n\t") == [0x61, 0xFF0D, 0x62, 0xFF0D, 0xFF09])
        #expect(NekoKeysym.forText("\u{01}") == [])
        #expect(NekoKeysym.named("Return") == 0xFF0D)
        #expect(NekoKeysym.named("ctrl") == 0xFFE3)
        #expect(NekoKeysym.named("F5") == 0xFFC2)
        #expect(NekoKeysym.named("nope") == nil)
    }

    @Test("screenshot: shot.jpg with the token and quality; bytes as served")
    func screenshot() async throws {
        let server = NekoStandIn()
        try await server.serve { base in
            try await withNeko(Self.configuration(base)) { env in
                let jpeg = try await env.screenshot(quality: 85)
                #expect(Array(jpeg) == NekoStandIn.jpeg)
                #expect(await server.screenshotQualities == ["85"])
            }
        }
    }

    @Test("a token only in the NEKO_SESSION cookie is found")
    func cookieToken() async throws {
        let server = NekoStandIn(tokenInBody: false)
        try await server.serve { base in
            let client = try await NekoClient.connect(Self.configuration(base))
            #expect(client.token == "tok+en/admin=")
            #expect(client.screenSize == ScreenSize(width: 1280, height: 720))
            await client.close()
        }
    }

    @Test("control held by someone else is reported, not assumed")
    func controlNotGranted() async throws {
        let server = NekoStandIn(grantsControl: false)
        try await server.serve { base in
            var configuration = Self.configuration(base)
            configuration.connectTimeout = .milliseconds(500)
            await #expect(throws: NekoError.controlNotGranted(hostId: "s-human")) {
                _ = try await NekoEnvironment.connect(configuration)
            }
            #expect(await server.actions == [NekoEvent(NekoEvent.Name.controlRequest)])
        }
    }

    @Test("a wrong password fails the login with 401")
    func loginFailure() async throws {
        let server = NekoStandIn()
        try await server.serve { base in
            await #expect(throws: NekoError.loginFailed(status: 401, detail: "wrong username or password")) {
                _ = try await NekoEnvironment.connect(Self.configuration(base, password: "guess"))
            }
            #expect(await server.received.isEmpty)
        }
    }

    @Test("a non-admin's screenshot is refused with a clear error")
    func screenshotForbidden() async throws {
        let server = NekoStandIn()
        try await server.serve { base in
            try await withNeko(Self.configuration(base, user: "viewer", password: "neko")) { env in
                do {
                    _ = try await env.screenshot(quality: 80)
                    Issue.record("expected screenshotForbidden")
                } catch let error as NekoError {
                    #expect(error == .screenshotForbidden(status: 403))
                    #expect(error.description.contains("admin"))
                }
            }
        }
    }

    @Test("an unreachable server and malformed actions give clear errors")
    func errors() async throws {
        await #expect(throws: NekoError.self) {
            // AsyncHTTPClient retries refused connections until the request's deadline.
            var configuration = Self.configuration("http://127.0.0.1:1")
            configuration.requestTimeout = .seconds(1)
            _ = try await NekoClient.connect(configuration)
        }
        let server = NekoStandIn()
        try await server.serve { base in
            let env = try await NekoEnvironment.connect(Self.configuration(base), options: .init(settleDelay: .zero))
            await #expect(throws: BrowserActionError.missingPosition(.click)) { try await env.perform(BrowserAction(kind: .click)) }
            await #expect(throws: BrowserActionError.unknownDirection("diagonal")) {
                try await env.perform(BrowserAction(kind: .scroll, value: "diagonal"))
            }
            await env.close()
            await #expect(throws: NekoError.self) { try await env.perform(BrowserAction(kind: .enter)) }
        }
    }
}

func withNeko(
    _ configuration: NekoClient.Configuration, options: NekoEnvironment.Options = NekoEnvironment.Options(),
    _ body: (NekoEnvironment) async throws -> Void
) async throws {
    let env = try await NekoEnvironment.connect(configuration, options: options)
    do {
        try await body(env)
    } catch {
        await env.close()
        throw error
    }
    await env.close()
}
