import Foundation
import HangarCore
import HangarRuntime
import HangarTestSupport
import Testing

@testable import HangarBrowser

/// The whole agent on a real headless Chromium: a scripted vision model answers in ShowUI's
/// format, `BrowserExecutor` performs its actions through `CDPEnvironment`, and the test
/// checks what happened in the page and on the server — not just that actions were sent.
@Suite("Browser agent on a real Chromium", .serialized)
struct ChromiumAgentTests {
    /// Keeps the browser open after the task so the test can look at the page.
    struct KeepOpen: BrowserEnvironmentProvider {
        let environment: CDPEnvironment
        func environment(for spec: EnvironmentSpec, resolution: ScreenSize, context: TaskContext) async throws -> EnvironmentLease {
            EnvironmentLease(environment: environment, closeAfterTask: false)
        }
    }

    static func relative(_ point: (x: Double, y: Double)) -> String {
        String(format: "[%.3f, %.3f]", point.x / 1280, point.y / 720)
    }

    @Test("Fill in a form, submit it, scroll the result, answer")
    func formAndScroll() async throws {
        let site = SignupSite()
        let model = ModelServer()
        let field = Self.relative(SignupSite.fieldCentre)
        let button = Self.relative(SignupSite.buttonCentre)
        await model.enqueue(
            BrowserExecutorTests.reply("{'action': 'CLICK', 'value': None, 'position': \(field)}"),
            BrowserExecutorTests.reply("{'action': 'INPUT', 'value': 'Ada Lovelace', 'position': \(field)}"),
            BrowserExecutorTests.reply("{'action': 'CLICK', 'value': None, 'position': \(button)}"),
            BrowserExecutorTests.reply("{'action': 'SCROLL', 'value': 'down', 'position': None}"),
            BrowserExecutorTests.reply("{'action': 'ANSWER', 'value': 'Signed up as Ada Lovelace', 'position': None}"))
        // Launched as a worker launches it: the standard factory for `{"type": "cdp"}`.
        // The fixture site is on loopback: private networks allowed, as HANGAR_ALLOW_PRIVATE_NETWORKS=true does.
        let factory = StandardEnvironments.factory(allowPrivateNetworks: true)
        let made = try await factory(.cdp(chromePath: nil, devtoolsURL: nil), ScreenSize(width: 1280, height: 720), .web)
        let environment = try #require(made as? CDPEnvironment)
        do {
            try await site.run { siteURL in
                try await model.run { modelURL in
                    try await BrowserHarness.with { harness in
                        let executor = BrowserExecutor(
                            catalog: BrowserHarness.catalog(modelURL), environments: KeepOpen(environment: environment), blobs: harness.blobs,
                            policy: BrowserAPITests.loopbackAllowed)
                        let attempt = try await harness.run(
                            executor, input: ["task": "Sign up as Ada Lovelace", "url": .string(siteURL + "/"), "options": ["save_screenshots": true]],
                            timeout: 120)
                        let output = try #require(attempt.output, "\(attempt.result)")
                        #expect(output["answer"] == "Signed up as Ada Lovelace" && output["stop_reason"] == "answer")

                        // The server got the form with the typed text, once.
                        #expect(await site.submissions == [["name": "Ada Lovelace"]])
                        // The page scrolled: the page says so, and told the server.
                        #expect(try await environment.evaluate("window.scrollY").doubleValue ?? 0 > 0)
                        #expect(await eventually { await site.scrollReports.last ?? 0 > 0 })
                        #expect(output["final_title"] == "Thanks" && output["final_url"] == .string(siteURL + "/submit"))

                        // What the model saw: real 1280 × 720 screenshots, also stored.
                        let sent = BrowserExecutorTests.parts(await model.requests[0]["messages"]?.arrayValue?[1])
                        let shot = try #require(BrowserExecutorTests.image(sent.images.first))
                        #expect(JPEGImage.dimensions(of: shot).map { [$0.width, $0.height] } == [1280, 720])
                        #expect(output["screenshots"]?.arrayValue?.count == 5)
                        let steps = try await harness.events(attempt.task, "step")
                        #expect(steps.compactMap { $0["url"]?.stringValue }.last == siteURL + "/submit")
                    }
                }
            }
        } catch {
            await environment.close()
            throw error
        }
        await environment.close()
    }

    @Test("Refinement corrects an imprecise point on a real screenshot crop")
    func refinementOnRealPage() async throws {
        let site = SignupSite()
        let model = ModelServer()
        // (320, 180) is below the field; the crop around it is (0, 0, 640 × 360), on which the
        // field's centre (300, 120) is at (0.469, 0.333).
        await model.enqueue(
            BrowserExecutorTests.reply("{'action': 'INPUT', 'value': 'Grace Hopper', 'position': [0.25, 0.25]}"),
            BrowserExecutorTests.reply("{'action': 'INPUT', 'value': 'Grace Hopper', 'position': [0.469, 0.333]}"),
            BrowserExecutorTests.reply("{'action': 'ANSWER', 'value': 'typed', 'position': None}"))
        let environment = try await CDPEnvironment.launch(
            .loopbackSites, options: CDPEnvironmentOptions(screen: ScreenSize(width: 1280, height: 720)))
        do {
            try await site.run { siteURL in
                try await model.run { modelURL in
                    try await BrowserHarness.with { harness in
                        let executor = BrowserExecutor(
                            catalog: BrowserHarness.catalog(modelURL), environments: KeepOpen(environment: environment), policy: BrowserAPITests.loopbackAllowed)
                        let attempt = try await harness.run(
                            executor, input: ["task": "Type Grace Hopper", "url": .string(siteURL + "/"), "options": ["refinement_steps": 1]],
                            timeout: 120)
                        #expect(attempt.output?["answer"] == "typed", "\(attempt.result)")
                        #expect(try await environment.evaluate("document.querySelector('#name').value") == "Grace Hopper")
                        // The model was shown a 640 × 360 crop of the real page.
                        let crop = BrowserExecutorTests.parts(await model.requests[1]["messages"]?.arrayValue?[1])
                        let image = try #require(BrowserExecutorTests.image(crop.images.first))
                        #expect(JPEGImage.dimensions(of: image).map { [$0.width, $0.height] } == [640, 360])
                    }
                }
            }
        } catch {
            await environment.close()
            throw error
        }
        await environment.close()
    }

    @Test("The standard factory does not create sessions out of sessions")
    func factoryRefusesSessions() async {
        await #expect(throws: HangarError.self) {
            _ = try await StandardEnvironments.factory()(.session(id: "ses_1"), ScreenSize(width: 800, height: 600), .web)
        }
    }
}
