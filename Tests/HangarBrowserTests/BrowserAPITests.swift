import Foundation
import HangarAuth
import HangarBlobs
import HangarCapture
import HangarCore
import HangarRuntime
import HangarServer
import HangarStore
import HangarTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import HangarBrowser

/// The browser routes as a client uses them, on a real headless Chromium: a persistent
/// session opened on a page, an explicit capture episode recorded from its screen, a seed-000
/// task run in that session by a scripted vision model, then the task's screenshots, the
/// episodes and the dataset they were written to.
@Suite("Browser API: sessions, capture, screenshots", .serialized)
struct BrowserAPITests {
    /// The test site is on loopback, a private address: allowed as HANGAR_ALLOW_PRIVATE_NETWORKS does.
    static let loopbackAllowed = BrowserPolicy(allowPrivateNetworks: true)

    @Test("A seed-000 task runs in a persistent session; screenshots, episodes and the dataset are served")
    func sessionTaskAndCapture() async throws {
        let site = SignupSite()
        let model = ModelServer()
        let field = ChromiumAgentTests.relative(SignupSite.fieldCentre)
        let button = ChromiumAgentTests.relative(SignupSite.buttonCentre)
        await model.enqueue(
            BrowserExecutorTests.reply("{'action': 'INPUT', 'value': 'Ada Lovelace', 'position': \(field)}"),
            BrowserExecutorTests.reply("{'action': 'CLICK', 'value': None, 'position': \(button)}"),
            BrowserExecutorTests.reply("{'action': 'ANSWER', 'value': 'Signed up', 'position': None}"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-browser-api-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let blobs = LocalBlobStore(root: directory.appendingPathComponent("blobs"))
        let capture = CaptureManager(
            configuration: CaptureConfiguration(outputDirectory: directory.appendingPathComponent("mds"), minFrames: 1), blobs: blobs)
        let sessions = BrowserSessionRegistry(maxSessions: 2, factory: StandardEnvironments.factory(allowPrivateNetworks: true))

        try await site.run { siteURL in
            try await model.run { modelURL in
                try await withTestStore(.sqlite) { store, _ in
                    let catalog = BrowserHarness.catalog(modelURL)
                    let executor = BrowserExecutor(
                        catalog: catalog,
                        environments: StandardEnvironmentProvider(
                            sessions: sessions, factory: StandardEnvironments.factory(allowPrivateNetworks: true)),
                        blobs: blobs, capture: capture, policy: Self.loopbackAllowed)
                    let registry = ExecutorRegistry([BrowserExecutor.kind: executor])
                    let router = buildRouter(
                        store: store, registry: registry, configuration: ServerConfiguration(),
                        authenticator: try await Authenticator(store: store, mode: .none, cacheTTL: 0),
                        vault: try SecretBox(keyData: Data(repeating: 7, count: 32)), models: catalog,
                        browser: BrowserServices(blobs: blobs, sessions: sessions, capture: capture, policy: Self.loopbackAllowed))
                    let pool = PoolHarness(store: store, registry: registry, configuration: .testing())
                    do {
                        try await Application(router: router).test(.router) { client in
                            try await Self.walkThrough(client, siteURL: siteURL, site: site)
                        }
                    } catch {
                        try? await pool.stop()
                        await sessions.closeAll()
                        throw error
                    }
                    try await pool.stop()
                    await sessions.closeAll()
                }
            }
        }
    }

    static func walkThrough(_ client: any TestClientProtocol, siteURL: String, site: SignupSite) async throws {
        // Bad input is named, and nothing starts.
        let badPath = try await client.call(.post, "/api/v1/sessions", ["environment": ["type": "cdp", "chrome_path": "/bin/sh"]])
        #expect(badPath.status == .unprocessableContent && badPath.json["detail"]?.stringValue?.contains("chrome_path") == true)
        let badSize = try await client.call(.post, "/api/v1/sessions", ["screen_resolution": "huge"])
        #expect(badSize.status == .unprocessableContent && badSize.json["detail"]?.stringValue?.contains("screen_resolution") == true)

        // A session on the form page, and a live look at its screen.
        let created = try await client.call(.post, "/api/v1/sessions", ["url": .string(siteURL + "/"), "screen_resolution": "1280x720"])
        #expect(created.status == .created, "\(created.json)")
        let sessionID = try #require(created.json["session_id"]?.stringValue)
        #expect(created.json["status"] == "idle" && created.json["kind"] == "cdp")
        let live = try await client.call(.get, "/api/v1/sessions/\(sessionID)/screenshot")
        #expect(live.status == .ok && live.headers[.contentType] == "image/jpeg")
        #expect(JPEGImage.dimensions(of: Data(live.body.readableBytesView)).map { [$0.width, $0.height] } == [1280, 720])
        #expect(try await client.call(.get, "/api/v1/sessions").json["sessions"]?.arrayValue?.count == 1)

        // An explicit episode records the session's screen while the task runs.
        let episode = try await client.call(
            .post, "/api/v1/capture/episodes",
            ["task_description": "Sign-up form, watched", "session_id": .string(sessionID), "capture_options": ["fps": 5, "min_frames": 1]])
        #expect(episode.status == .created, "\(episode.json)")
        #expect(episode.json["status"] == "recording" && episode.json["estimated_size_mb"]?.doubleValue != nil)
        let episodeID = try #require(episode.json["episode_id"]?.stringValue)

        // Seed 000's task shape: `task`, `max_steps` and `options` beside the agent.
        let agent = try await client.call(.post, "/api/v1/agents", ["name": "signup", "kind": "browser", "model": "openai/gpt-4o"])
        #expect(agent.status == .created, "\(agent.json)")
        let submitted = try await client.call(
            .post, "/api/v1/tasks",
            [
                "agent_id": agent.json["id"] ?? .null, "task": "Sign up as Ada Lovelace", "mode": "web", "max_steps": 5,
                "options": [
                    "session_id": .string(sessionID), "save_screenshots": true, "enable_capture": true, "capture_options": ["min_frames": 1],
                ],
            ])
        #expect(submitted.status == .created || submitted.status == .accepted, "\(submitted.json)")
        let taskID = try #require(submitted.json["task_id"]?.stringValue ?? submitted.json["id"]?.stringValue)
        let task = try await client.finishedTask(taskID)
        #expect(task["status"] == "completed", "\(task)")
        #expect(task["output"]?["answer"] == "Signed up" && task["output"]?["final_url"] == .string(siteURL + "/submit"))
        #expect(await site.submissions == [["name": "Ada Lovelace"]])
        #expect(task["output"]?["capture"]?["status"] == "written", "\(task["output"]?["capture"] ?? .null)")

        // The screenshot of every step, as stored; a step that was never taken is 404.
        let shot = try await client.call(.get, "/api/v1/tasks/\(taskID)/screenshots/1")
        #expect(shot.status == .ok && shot.headers[.contentType] == "image/jpeg")
        #expect(JPEGImage.dimensions(of: Data(shot.body.readableBytesView)).map { [$0.width, $0.height] } == [1280, 720])
        #expect(try await client.call(.get, "/api/v1/tasks/\(taskID)/screenshots/99").status == .notFound)
        #expect(try await client.call(.get, "/api/v1/tasks/\(taskID)/screenshots/x").status == .unprocessableContent)

        // The session is idle again and kept; the explicit episode is stopped and written.
        #expect(try await client.call(.get, "/api/v1/sessions/\(sessionID)").json["status"] == "idle")
        let stopped = try await client.call(.delete, "/api/v1/capture/episodes/\(episodeID)")
        #expect(stopped.json["status"] == "written", "\(stopped.json)")
        #expect(stopped.json["num_frames"]?.intValue ?? 0 >= 1)
        let episodes = try await client.call(.get, "/api/v1/capture/episodes").json["episodes"]?.arrayValue ?? []
        #expect(episodes.count == 2 && episodes.allSatisfy { $0["status"] == "written" })
        let datasets = try await client.call(.get, "/api/v1/capture/datasets").json["datasets"]?.arrayValue ?? []
        #expect(datasets.map { $0["samples"]?.intValue ?? 0 }.reduce(0, +) == 2, "\(datasets)")

        // Settings: read, changed, checked.
        let changed = try await client.call(.put, "/api/v1/capture/config", ["fps": 4, "jpeg_quality": 70])
        #expect(changed.json["fps"] == 4 && changed.json["jpeg_quality"] == 70 && changed.json["compression"] == "zstd:6")
        let badSetting = try await client.call(.put, "/api/v1/capture/config", ["fps": 0])
        #expect(badSetting.status == .unprocessableContent && badSetting.json["detail"]?.stringValue?.contains("fps") == true)
        let noRemote = try await client.call(.post, "/api/v1/capture/datasets/\(datasets.first?["dataset_id"]?.stringValue ?? "x")/upload")
        #expect(noRemote.status == .unprocessableContent && noRemote.json["detail"]?.stringValue?.contains("remote") == true)

        // Closed on request; gone afterwards.
        #expect(try await client.call(.delete, "/api/v1/sessions/\(sessionID)").json["status"] == "closed")
        #expect(try await client.call(.get, "/api/v1/sessions/\(sessionID)").status == .notFound)
    }
}

extension TestResponse {
    var json: JSONValue { (try? JSONText.decode(String(buffer: body))) ?? .string(String(buffer: body)) }
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ uri: String, _ json: JSONValue? = nil) async throws -> TestResponse {
        var headers = HTTPFields()
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: JSONText.encode($0)) })
    }

    func finishedTask(_ id: String, timeout: Duration = .seconds(90)) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let task = try await call(.get, "/api/v1/tasks/\(id)").json
            if let status = task["status"]?.stringValue, TaskStatus(rawValue: status)?.isFinal == true { return task }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WaitTimeout(description: "task \(id) did not finish")
    }
}
