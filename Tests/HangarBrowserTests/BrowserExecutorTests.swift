import Foundation
import HangarAgents
import HangarCapture
import HangarCore
import HangarRuntime
import HangarTestSupport
import Testing

@testable import HangarBrowser

/// The screenshot → model → action loop against a fake screen and a scripted vision model
/// speaking the OpenAI protocol.
@Suite("Browser executor")
struct BrowserExecutorTests {
    static func reply(_ text: String) -> ModelServer.Reply { .json(ModelServer.completion(text, prompt: 100, completion: 20)) }

    static func executor(_ url: String, _ harness: BrowserHarness, _ provider: FakeEnvironmentProvider) -> BrowserExecutor {
        BrowserExecutor(catalog: BrowserHarness.catalog(url), environments: provider, blobs: harness.blobs, capture: harness.capture)
    }

    /// The text parts and image URLs of one request's message.
    static func parts(_ message: JSONValue?) -> (text: String, images: [String]) {
        if let text = message?["content"]?.stringValue { return (text, []) }
        let parts = message?["content"]?.arrayValue ?? []
        return (
            parts.compactMap { $0["text"]?.stringValue }.joined(separator: "\n"),
            parts.compactMap { $0["image_url"]?["url"]?.stringValue }
        )
    }

    /// The JPEG in a `data:image/jpeg;base64,` URL.
    static func image(_ url: String?) -> Data? {
        let prefix = "data:image/jpeg;base64,"
        guard let url, url.hasPrefix(prefix) else { return nil }
        return Data(base64Encoded: String(url.dropFirst(prefix.count)))
    }

    @Test("Actions are performed in order at the model's positions; several in one reply run one per step; ANSWER ends the task")
    func loop() async throws {
        let server = ModelServer()
        await server.enqueue(
            Self.reply("{'action': 'CLICK', 'value': None, 'position': [0.5, 0.25]}"),
            Self.reply("{'action': 'INPUT', 'value': 'hello', 'position': [0.5, 0.25]},\n{'action': 'ENTER', 'value': None, 'position': None}"),
            Self.reply(#"I'll open the first result: {"action": "click", "position": [320, 540]}"#),
            Self.reply("{'action': 'SCROLL', 'value': 'down', 'position': None}"),
            Self.reply("{'action': 'ANSWER', 'value': 'Paris', 'position': None}"))
        let environment = FakeEnvironment()
        let provider = FakeEnvironmentProvider(environment: environment)
        try await server.run { url in
            try await BrowserHarness.with { harness in
                let attempt = try await harness.run(
                    Self.executor(url, harness, provider), input: ["task": "Find the capital of France", "url": "https://example.com/start"])
                let output = try #require(attempt.output, "\(attempt.result)")
                #expect(output["answer"] == "Paris" && output["completed"] == true && output["stop_reason"] == "answer")
                #expect(output["final_url"] == "https://example.com/start" && output["final_title"] == "Fake page" && output["capture"] == .null)
                #expect(output["steps"]?.arrayValue?.count == 6)
                #expect(output["steps"]?.arrayValue?[2]["action"] == ["action": "ENTER", "value": nil, "position": nil])

                #expect(await environment.navigations == ["https://example.com/start"])
                #expect(
                    await environment.performed == [
                        BrowserAction(kind: .click, position: RelativePoint(x: 0.5, y: 0.25)),
                        BrowserAction(kind: .input, value: "hello", position: RelativePoint(x: 0.5, y: 0.25)),
                        BrowserAction(kind: .enter),
                        // Pixels on the 1280 × 720 screenshot, scaled.
                        BrowserAction(kind: .click, position: RelativePoint(x: 0.25, y: 0.75)),
                        BrowserAction(kind: .scroll, value: "down"),
                    ])
                // Released and closed (a per-task environment).
                #expect(await provider.released == 1)
                #expect(await environment.closed == 1)
                #expect(await provider.specs == [.cdp(chromePath: nil, devtoolsURL: nil)])
                #expect(await provider.resolutions == [BrowserInput.defaultResolution])

                // Five model calls for six steps: the ENTER came with the INPUT.
                let requests = await server.requests
                #expect(requests.count == 5)
                let first = requests[0]["messages"]?.arrayValue ?? []
                #expect(first.count == 2 && first[0]["role"] == "system")
                #expect(Self.parts(first[0]).text.contains("navigate the website screen"))
                let user = Self.parts(first[1])
                #expect(user.text.hasPrefix("Task: Find the capital of France") && !user.text.contains("Step0"))
                #expect(user.images.count == 1 && user.images[0].hasPrefix("data:image/jpeg;base64,"))
                let shot = try #require(Self.image(user.images.first))
                #expect(JPEGImage.dimensions(of: shot).map { [$0.width, $0.height] } == [1280, 720])
                let fourth = Self.parts(requests[3]["messages"]?.arrayValue?[1]).text
                #expect(fourth.contains("Step0: {'action': 'CLICK', 'value': None, 'position': [0.5, 0.25]}"))
                #expect(fourth.contains("Step2: {'action': 'ENTER', 'value': None, 'position': None}"))
                #expect(fourth.contains("Step3: {'action': 'CLICK', 'value': None, 'position': [0.25, 0.75]}"))

                let steps = try await harness.events(attempt.task, "step")
                #expect(steps.count == 6 && steps.map { $0["step"]?.intValue } == [1, 2, 3, 4, 5, 6])
                #expect(steps[0]["action"] == ["action": "CLICK", "value": nil, "position": [0.5, 0.25]])
                #expect(steps[0]["raw"] == "{'action': 'CLICK', 'value': None, 'position': [0.5, 0.25]}" && steps[0]["url"] == "https://example.com/start")
                for key in ["screenshot_ms", "model_ms", "action_ms", "total_ms"] { #expect(steps[0]["timings"]?[key]?.intValue != nil) }
                #expect(steps[0]["screenshot"] == nil)

                let records = await harness.usage.records
                #expect(records.count == 5 && records.allSatisfy { $0.model == "openai/gpt-4o" && $0.promptTokens == 100 && $0.taskID == attempt.task.id })
                #expect(try attempt.result.get().usage?["prompt_tokens"] == 500 && attempt.result.get().usage?["completion_tokens"] == 100)

                let lines = await harness.narration.lines
                #expect(lines.first == "Step 1: click at 640, 180")
                #expect(lines.contains("Step 2: type “hello” at 640, 180") && lines.contains("Step 5: scroll down"))
                #expect(lines.last == "Step 6: answer: Paris" && lines.count == 6)
            }
        }
    }

    @Test("An unusable reply goes back to the model with what was wrong; the corrected reply is used")
    func retry() async throws {
        let server = ModelServer()
        await server.enqueue(
            Self.reply("I should click on the search button."),
            Self.reply("{'action': 'ANSWER', 'value': 'done', 'position': None}"))
        let provider = FakeEnvironmentProvider(environment: FakeEnvironment())
        try await server.run { url in
            try await BrowserHarness.with { harness in
                let attempt = try await harness.run(Self.executor(url, harness, provider), input: ["task": "Search"])
                #expect(attempt.output?["answer"] == "done", "\(attempt.result)")
                let second = await server.requests[1]["messages"]?.arrayValue ?? []
                #expect(second.count == 4)
                #expect(second[2]["role"] == "assistant" && Self.parts(second[2]).text == "I should click on the search button.")
                #expect(Self.parts(second[3]).text.contains("could not be used: no action found"))
                let logs = try await harness.events(attempt.task, "log").compactMap { $0["message"]?.stringValue }
                #expect(logs.contains { $0.contains("step 1: unusable reply") })
                #expect(await harness.usage.records.count == 2)
            }
        }
    }

    @Test("Two unusable replies fail the step, naming the problem and quoting the reply; capture is discarded")
    func malformedTwice() async throws {
        let server = ModelServer()
        await server.enqueue(
            Self.reply("{'action': 'TAP', 'value': None, 'position': [0.5, 0.5]}"),
            Self.reply("{'action': 'TAP', 'value': None, 'position': [0.6, 0.5]}"))
        let environment = FakeEnvironment()
        let provider = FakeEnvironmentProvider(environment: environment)
        try await server.run { url in
            try await BrowserHarness.with { harness in
                let attempt = try await harness.run(
                    Self.executor(url, harness, provider), input: ["task": "Search", "options": ["enable_capture": true]])
                let failure = try #require(attempt.failure, "\(attempt.result)")
                #expect(failure.code == "unparseable_action" && !failure.retryable)
                #expect(failure.message.contains("step 1") && failure.message.contains("action 'TAP' is not in the web action space"))
                #expect(failure.message.contains("Reply: \"{'action': 'TAP', 'value': None, 'position': [0.6, 0.5]}\""))
                #expect(await environment.performed.isEmpty)
                #expect(await provider.released == 1)
                #expect(await environment.closed == 1)
                let recorder = try #require(await harness.capture.recorders.first)
                #expect(await recorder.discarded)
                #expect(await (recorder.finished) == false)
            }
        }
    }

    @Test("max_steps stops a model that never answers")
    func maxSteps() async throws {
        let server = ModelServer()
        await server.enqueue(
            Self.reply("{'action': 'CLICK', 'value': None, 'position': [0.1, 0.1]}"), Self.reply("{'action': 'CLICK', 'value': None, 'position': [0.2, 0.2]}"))
        let environment = FakeEnvironment()
        try await server.run { url in
            try await BrowserHarness.with { harness in
                let attempt = try await harness.run(
                    Self.executor(url, harness, FakeEnvironmentProvider(environment: environment)), input: ["task": "Wander", "max_steps": 2])
                let output = try #require(attempt.output, "\(attempt.result)")
                #expect(output["completed"] == false && output["stop_reason"] == "max_steps" && output["answer"] == .null)
                #expect(await environment.performed.count == 2)
                #expect(await server.requests.count == 2)
            }
        }
    }

    @Test("Screenshots go to the blob store under screenshots/{task}/{step}.jpg; capture gets every frame and action, then finishes")
    func screenshotsAndCapture() async throws {
        let server = ModelServer()
        await server.enqueue(
            Self.reply("{'action': 'CLICK', 'value': None, 'position': [0.3, 0.3]}"), Self.reply("{'action': 'ANSWER', 'value': '42', 'position': None}"))
        let environment = FakeEnvironment(size: ScreenSize(width: 800, height: 600))
        try await server.run { url in
            try await BrowserHarness.with { harness in
                let attempt = try await harness.run(
                    Self.executor(url, harness, FakeEnvironmentProvider(environment: environment)),
                    input: ["task": "Count", "options": ["save_screenshots": true, "enable_capture": true, "screen_resolution": "800x600"]])
                let output = try #require(attempt.output, "\(attempt.result)")
                let id = attempt.task.id
                let keys = ["screenshots/\(id)/1.jpg", "screenshots/\(id)/2.jpg"]
                #expect(output["screenshots"] == .array(keys.map(JSONValue.string)))
                let steps = try await harness.events(attempt.task, "step")
                #expect(steps.map { $0["screenshot"]?.stringValue } == keys)
                let blobs = await harness.blobs.blobs
                #expect(Set(blobs.keys) == Set(keys) && blobs.values.allSatisfy { $0.contentType == "image/jpeg" })
                #expect(JPEGImage.dimensions(of: try #require(blobs[keys[0]]).data).map { [$0.width, $0.height] } == [800, 600])
                #expect(blobs[keys[0]]?.data != blobs[keys[1]]?.data)

                let start = try #require(await harness.capture.starts.first)
                #expect(start.taskID == id && start.taskDescription == "Count" && start.screenWidth == 800 && start.screenHeight == 600)
                #expect(start.agent["model"] == "openai/gpt-4o")
                let recorder = try #require(await harness.capture.recorders.first)
                #expect(await recorder.frames == [blobs[keys[0]]!.data, blobs[keys[1]]!.data])
                let actions = await recorder.actions
                #expect(actions.map(\.action) == [["action": "CLICK", "value": nil, "position": [0.3, 0.3]], ["action": "ANSWER", "value": "42", "position": nil]])
                #expect(actions[1].raw == "{'action': 'ANSWER', 'value': '42', 'position': None}")
                #expect(await recorder.finished)
                #expect(await (recorder.discarded) == false)
                #expect(JPEGImage.dimensions(of: recorder.sampled).map { [$0.width, $0.height] } == [800, 600])
                #expect(output["capture"]?["episode_id"] == "ep_1" && output["capture"]?["status"] == "written" && output["capture"]?["frames"] == 2)
                #expect(output["capture"]?["archive_key"] == "episodes/ep_1.zip")
            }
        }
    }

    @Test("Refinement asks again on a crop around the point and maps the refined point back to the screen")
    func refinement() async throws {
        let server = ModelServer()
        await server.enqueue(
            Self.reply("{'action': 'CLICK', 'value': None, 'position': [0.9, 0.1]}"),
            // On the crop (640, 0, 640 × 360): its centre is (960, 180) on the screen.
            Self.reply("{'action': 'CLICK', 'value': None, 'position': [0.5, 0.5]}"),
            Self.reply("{'action': 'ANSWER', 'value': 'ok', 'position': None}"))
        let environment = FakeEnvironment()
        try await server.run { url in
            try await BrowserHarness.with { harness in
                let attempt = try await harness.run(
                    Self.executor(url, harness, FakeEnvironmentProvider(environment: environment)),
                    input: ["task": "Press the button", "options": ["refinement_steps": 1]])
                #expect(attempt.output?["answer"] == "ok", "\(attempt.result)")
                #expect(await environment.performed == [BrowserAction(kind: .click, position: RelativePoint(x: 0.75, y: 0.25))])
                let refinement = Self.parts(await server.requests[1]["messages"]?.arrayValue?[1])
                #expect(refinement.text.contains("zoomed-in region around where you chose to CLICK"))
                let crop = try #require(Self.image(refinement.images.first))
                #expect(JPEGImage.dimensions(of: crop).map { [$0.width, $0.height] } == [640, 360])
                let steps = try await harness.events(attempt.task, "step")
                #expect(steps[0]["refinement_rounds"] == 1 && steps[0]["model_calls"] == 2)
                #expect(steps[0]["action"]?["position"] == [0.75, 0.25])
            }
        }
    }

    @Test("A spent budget stops the agent before its first model call")
    func budget() async throws {
        let server = ModelServer()
        let environment = FakeEnvironment()
        try await server.run { url in
            try await BrowserHarness.with(budget: 1.0) { harness in
                await harness.usage.setSpent(1.5)
                let attempt = try await harness.run(Self.executor(url, harness, FakeEnvironmentProvider(environment: environment)), input: ["task": "t"])
                #expect(attempt.failure?.code == "budget_exceeded")
                #expect(await server.requests.isEmpty)
                #expect(await environment.closed == 1)
            }
        }
    }

    @Test("The input's timeout ends a slow run, and the environment is still released")
    func timeout() async throws {
        let server = ModelServer()
        await server.enqueue(Self.reply("{'action': 'CLICK', 'value': None, 'position': [0.1, 0.1]}"))
        let environment = FakeEnvironment()
        await environment.setActionDelay(.seconds(30))
        let provider = FakeEnvironmentProvider(environment: environment)
        try await server.run { url in
            try await BrowserHarness.with { harness in
                let started = ContinuousClock.now
                let attempt = try await harness.run(Self.executor(url, harness, provider), input: ["task": "t", "timeout": 1])
                #expect(attempt.failure?.code == "timeout", "\(attempt.result)")
                #expect(ContinuousClock.now - started < .seconds(10))
                #expect(await provider.released == 1)
                #expect(await environment.closed == 1)
            }
        }
    }

    @Test("Cancelling the task stops the run promptly; capture is discarded and the environment released")
    func cancellation() async throws {
        let server = ModelServer()
        await server.enqueue(Self.reply("{'action': 'CLICK', 'value': None, 'position': [0.1, 0.1]}"))
        let environment = FakeEnvironment()
        await environment.setActionDelay(.seconds(30))
        let provider = FakeEnvironmentProvider(environment: environment)
        try await server.run { url in
            try await BrowserHarness.with { harness in
                let executor = Self.executor(url, harness, provider)
                let running = Task { try await harness.run(executor, input: ["task": "t", "options": ["enable_capture": true]]) }
                #expect(await eventually { await environment.begun == 1 })
                let started = ContinuousClock.now
                running.cancel()
                let attempt = try await running.value
                #expect(throws: CancellationError.self) { try attempt.result.get() }
                #expect(ContinuousClock.now - started < .seconds(5))
                #expect(await provider.released == 1)
                #expect(await harness.capture.recorders.first?.discarded == true)
            }
        }
    }

    @Test("A failing action fails the task; capture is discarded and the environment released")
    func actionFails() async throws {
        let server = ModelServer()
        await server.enqueue(Self.reply("{'action': 'HOVER', 'value': None, 'position': [0.1, 0.1]}"))
        let environment = FakeEnvironment()
        await environment.setFailOn(.hover)
        let provider = FakeEnvironmentProvider(environment: environment)
        try await server.run { url in
            try await BrowserHarness.with { harness in
                let attempt = try await harness.run(Self.executor(url, harness, provider), input: ["task": "t", "options": ["enable_capture": true]])
                #expect(throws: FakeError.self) { try attempt.result.get() }
                #expect(await provider.released == 1)
                #expect(await harness.capture.recorders.first?.discarded == true)
            }
        }
    }

    @Test("Configuration problems fail at once, naming what is wrong")
    func configuration() async throws {
        let server = ModelServer()
        try await server.run { url in
            try await BrowserHarness.with(config: ["jpeg_quality": 0]) { harness in
                let attempt = try await harness.run(Self.executor(url, harness, FakeEnvironmentProvider(environment: FakeEnvironment())), input: ["task": "t"])
                #expect(attempt.failure?.code == "invalid_config" && attempt.failure?.message.contains("config.jpeg_quality") == true)
            }
            try await BrowserHarness.with(config: ["environment": ["type": "neko", "url": "https://neko.test", "username": "u", "password_secret": "NEKO"]]) { harness in
                let attempt = try await harness.run(Self.executor(url, harness, FakeEnvironmentProvider(environment: FakeEnvironment())), input: ["task": "t"])
                #expect(attempt.failure?.code == "secret_missing" && attempt.failure?.message.contains("NEKO") == true)
            }
            try await BrowserHarness.with { harness in
                let bare = BrowserExecutor(catalog: BrowserHarness.catalog(url), environments: FakeEnvironmentProvider(environment: FakeEnvironment()))
                let attempt = try await harness.run(bare, input: ["task": "t", "options": ["save_screenshots": true]])
                #expect(attempt.failure?.code == "screenshots_unavailable")
            }
        }
        #expect(await server.requests.isEmpty)
    }
}
