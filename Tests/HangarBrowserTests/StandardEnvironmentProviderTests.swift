import HangarCore
import HangarTestSupport
import Testing

@testable import HangarBrowser

@Suite("The standard environment provider")
struct StandardEnvironmentProviderTests {
    actor Requests {
        var made: [(spec: EnvironmentSpec, resolution: ScreenSize, mode: BrowserMode, environment: FakeEnvironment)] = []
        func add(_ spec: EnvironmentSpec, _ resolution: ScreenSize, _ mode: BrowserMode, _ environment: FakeEnvironment) {
            made.append((spec, resolution, mode, environment))
        }
    }

    @Test("Without a session, the factory makes an environment for the task's spec, resolution and mode, closed afterwards")
    func freshEnvironment() async throws {
        let requests = Requests()
        let provider = StandardEnvironmentProvider(sessions: nil) { spec, resolution, mode in
            let environment = FakeEnvironment(size: resolution)
            await requests.add(spec, resolution, mode, environment)
            return environment
        }
        let server = ModelServer()
        await server.enqueue(BrowserExecutorTests.reply("{'action': 'TAP', 'value': None, 'position': [0.5, 0.5]}"),
            BrowserExecutorTests.reply("{'action': 'ANSWER', 'value': 'task complete', 'position': None}"))
        try await server.run { url in
            try await BrowserHarness.with(config: ["environment": ["type": "cdp", "devtools_url": "http://127.0.0.1:9222"]]) { harness in
                // A loopback DevTools address is a private one: allowed here, as with HANGAR_ALLOW_PRIVATE_NETWORKS.
                let executor = BrowserExecutor(
                    catalog: BrowserHarness.catalog(url), environments: provider, policy: BrowserPolicy(allowPrivateNetworks: true))
                let attempt = try await harness.run(
                    executor, input: ["task": "t", "mode": "phone", "options": ["screen_resolution": ["width": 390, "height": 844]]])
                #expect(attempt.output?["answer"] == "task complete", "\(attempt.result)")
                let made = try #require(await requests.made.first)
                #expect(made.spec == .cdp(chromePath: nil, devtoolsURL: "http://127.0.0.1:9222"))
                #expect(made.resolution == ScreenSize(width: 390, height: 844) && made.mode == .phone)
                #expect(await made.environment.performed == [BrowserAction(kind: .tap, position: RelativePoint(x: 0.5, y: 0.5))])
                #expect(await made.environment.closed == 1)
                // Phone mode's prompt.
                let system = await server.requests[0]["messages"]?.arrayValue?.first?["content"]?.stringValue ?? ""
                #expect(system.contains("smartphone") && system.contains("`TAP`"))
            }
        }
    }

    @Test("A session spec without a registry is a clear failure")
    func noRegistry() async throws {
        let provider = StandardEnvironmentProvider(sessions: nil) { _, _, _ in FakeEnvironment() }
        try await BrowserHarness.with { harness in
            let executor = BrowserExecutor(catalog: BrowserHarness.catalog("http://127.0.0.1:9"), environments: provider)
            let attempt = try await harness.run(executor, input: ["task": "t", "session_id": "ses_1"])
            #expect(attempt.failure?.code == "sessions_unavailable")
        }
    }
}
