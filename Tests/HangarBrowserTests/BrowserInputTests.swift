import HangarAgents
import HangarCore
import Testing

@testable import HangarBrowser

@Suite("Browser task input (seed 000)")
struct BrowserInputTests {
    @Test("The seed's example parses, with defaults for what is left out")
    func seedShape() throws {
        let input = try BrowserInput.parse([
            "task": "Search for Python tutorials on YouTube", "mode": "web", "max_steps": 10, "timeout": 300, "url": "https://www.youtube.com",
            "callback_url": "https://app.example.com/webhook",
            "options": ["screen_resolution": "1920x1080", "save_screenshots": true, "refinement_steps": 5, "enable_capture": true, "enable_tts": true],
        ])
        #expect(input.task == "Search for Python tutorials on YouTube" && input.mode == .web && input.maxSteps == 10 && input.timeout == 300)
        #expect(input.resolution == ScreenSize(width: 1920, height: 1080) && input.saveScreenshots && input.enableCapture && input.refinementSteps == 5)
        let minimal = try BrowserInput.parse(["task": "look", "options": ["screen_resolution": ["width": 800, "height": 600]], "mode": nil])
        #expect(minimal.maxSteps == BrowserInput.defaultMaxSteps && minimal.mode == .web && minimal.url == nil && !minimal.saveScreenshots)
        #expect(minimal.resolution == ScreenSize(width: 800, height: 600))
    }

    @Test("Bad fields are refused naming the field", arguments: [
        (JSONValue.string("hi"), "input"),
        (["task": ""], "input.task"),
        (["task": 3], "input.task"),
        (["task": "t", "mode": "tablet"], "input.mode"),
        (["task": "t", "max_steps": 0], "input.max_steps"),
        (["task": "t", "max_steps": 101], "input.max_steps"),
        (["task": "t", "max_steps": 2.5], "input.max_steps"),
        (["task": "t", "timeout": -1], "input.timeout"),
        (["task": "t", "url": "javascript:alert(1)"], "input.url"),
        (["task": "t", "session_id": 7], "input.session_id"),
        (["task": "t", "options": "fast"], "input.options"),
        (["task": "t", "options": ["screen_resolution": "big"]], "input.options.screen_resolution"),
        (["task": "t", "options": ["screen_resolution": "10x10"]], "input.options.screen_resolution"),
        (["task": "t", "options": ["save_screenshots": "yes"]], "input.options.save_screenshots"),
        (["task": "t", "options": ["refinement_steps": 6]], "input.options.refinement_steps"),
        (["task": "t", "options": ["enable_capture": 1]], "input.options.enable_capture"),
    ] as [(JSONValue, String)])
    func invalid(input: JSONValue, field: String) {
        let executor = BrowserExecutor(
            catalog: ModelCatalog(), environments: StandardEnvironmentProvider(sessions: nil) { _, _, _ in throw FakeError(message: "unused") })
        let error = #expect(throws: HangarError.self) { try executor.validate(input: input) }
        #expect(Self.field(error) == field)
    }

    static func field(_ error: HangarError?) -> String? {
        guard case .invalid(let field, _)? = error else { return nil }
        return field
    }

    @Test("The agent's environment config: cdp by default, neko needs url, username and password_secret")
    func environmentConfig() throws {
        #expect(try EnvironmentSpec.Config.parse(nil) == .cdp(devtoolsURL: nil))
        #expect(try EnvironmentSpec.Config.parse(["type": "cdp", "devtools_url": "http://127.0.0.1:9222"]) == .cdp(devtoolsURL: "http://127.0.0.1:9222"))
        #expect(try EnvironmentSpec.Config.parse("lab-chrome") == .named("lab-chrome"))
        #expect(try EnvironmentSpec.Config.parse(["name": "lab-chrome"]) == .named("lab-chrome"))
        #expect(
            try EnvironmentSpec.Config.parse(["type": "neko", "url": "https://neko.example", "username": "bot", "password_secret": "NEKO"])
                == .neko(url: "https://neko.example", username: "bot", passwordSecret: "NEKO"))
        for (bad, field) in [
            (["type": "vnc"], "config.environment.type"), (["type": "neko", "url": "https://n"], "config.environment.username"),
            (["type": "neko", "url": "ftp://n", "username": "u", "password_secret": "p"], "config.environment.url"), ("../etc", "config.environment"),
            (["type": "cdp", "chrome_path": "/bin/sh"], "config.environment.chrome_path"), (["name": "a b"], "config.environment.name"),
        ] as [(JSONValue, String)] {
            let error = #expect(throws: HangarError.self) { try EnvironmentSpec.Config.parse(bad) }
            #expect(Self.field(error) == field)
        }
        #expect(EnvironmentSpec.neko(url: "https://n", username: "u", password: "hunter2").description == "neko(u@https://n)")
    }
}
