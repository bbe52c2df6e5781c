import Foundation
import HangarAuth
import HangarBlobs
import HangarBrowser
import HangarCore
import HangarRuntime
import HangarServer
import HangarStore
import HangarTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 27's findings about browser fields, replayed as an operator of one tenant would:
/// nothing a request sends names a program, and no browser URL reaches an internal address.
@Suite("Browser security: programs and addresses a request may not choose", .serialized)
struct BrowserSecurityTests {
    /// A script that leaves a mark if it is ever run, as finding 1's proof did.
    static func trap() throws -> (script: String, marker: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-trap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let marker = directory.appendingPathComponent("ran").path
        let script = directory.appendingPathComponent("chrome").path
        try "#!/bin/sh\ntouch \(marker)\nexit 3\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        return (script, marker)
    }

    /// The API with a browser executor on the real environment factory (which would launch
    /// whatever `chrome_path` said), sessions, and `policy`.
    static func withAPI(
        policy: BrowserPolicy = BrowserPolicy(), _ body: @escaping @Sendable (any TestClientProtocol, any HangarStore) async throws -> Void
    ) async throws {
        let sessions = BrowserSessionRegistry(maxSessions: 2, factory: StandardEnvironments.factory())
        let blobs = LocalBlobStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("hangar-sec-\(UUID().uuidString)"))
        try await withTestStore(.sqlite) { store, _ in
            let catalog = BrowserHarness.catalog("http://127.0.0.1:9")
            let executor = BrowserExecutor(
                catalog: catalog, environments: StandardEnvironmentProvider(sessions: sessions, factory: StandardEnvironments.factory()),
                blobs: blobs, policy: policy)
            let registry = ExecutorRegistry([BrowserExecutor.kind: executor])
            let router = buildRouter(
                store: store, registry: registry, configuration: ServerConfiguration(),
                authenticator: try await Authenticator(store: store, mode: .none, cacheTTL: 0),
                vault: try SecretBox(keyData: Data(repeating: 7, count: 32)), models: catalog,
                browser: BrowserServices(blobs: blobs, sessions: sessions, policy: policy))
            let pool = PoolHarness(store: store, registry: registry, configuration: .testing())
            do {
                try await Application(router: router).test(.router) { client in try await body(client, store) }
            } catch {
                try? await pool.stop()
                await sessions.closeAll()
                throw error
            }
            try await pool.stop()
            await sessions.closeAll()
        }
    }

    @Test("Finding 1: no request makes the server run a program — chrome_path is refused on agents, and ignored if stored")
    func chromePath() async throws {
        let (script, marker) = try Self.trap()
        try await Self.withAPI { client, store in
            let config: JSONValue = ["environment": ["type": "cdp", "chrome_path": .string(script)]]
            let created = try await client.call(.post, "/api/v1/agents", ["name": "x", "kind": "browser", "model": "openai/gpt-4o", "config": config])
            #expect(created.status == .unprocessableContent, "\(created.json)")
            #expect(created.json["field"] == "config.environment.chrome_path")
            #expect(created.json["detail"]?.stringValue?.contains("HANGAR_CHROME_PATH") == true)

            let plain = try await client.call(.post, "/api/v1/agents", ["name": "plain", "kind": "browser", "model": "openai/gpt-4o"])
            #expect(plain.status == .created)
            let updated = try await client.call(.put, "/api/v1/agents/plain", ["config": config])
            #expect(updated.status == .unprocessableContent && updated.json["field"] == "config.environment.chrome_path")

            // An agent stored before this check (or written to the database by hand) still
            // cannot run the program: the task fails on its config.
            let legacy = try await store.agentInsert(
                AgentInsertParams(tenantID: Tenant.defaultID, name: "legacy", kind: "browser", model: "openai/gpt-4o", config: config))
            let task = try await client.call(.post, "/api/v1/tasks", ["agent_id": .string(legacy.id), "task": "t"])
            #expect(task.status == .created)
            let done = try await client.finishedTask(try #require(task.json["id"]?.stringValue))
            #expect(done["status"] == "failed" && done["error_code"] == "invalid_config", "\(done)")
            try await Task.sleep(for: .milliseconds(200))
            #expect(!FileManager.default.fileExists(atPath: marker), "the script ran")

            // Sessions refuse it too.
            let session = try await client.call(.post, "/api/v1/sessions", ["environment": ["type": "cdp", "chrome_path": .string(script)]])
            #expect(session.status == .unprocessableContent && session.json["field"] == "environment.chrome_path")
        }
        #expect(!FileManager.default.fileExists(atPath: marker), "the script ran")
    }

    /// Internal targets in the spellings the review and the address registries name.
    static let internalURLs = [
        "http://127.0.0.1:9222/", "http://169.254.169.254/latest/meta-data/", "http://localhost:8000/", "http://[::1]/", "http://[::127.0.0.1]/",
        "http://[::ffff:127.0.0.1]/", "http://10.0.0.5/", "http://2130706433/", "http://0x7f.0.0.1/", "http://127.1/",
        "http://localhost./",
    ]

    @Test("Finding 2: session url, task url (in input and top-level), devtools_url and Neko url refuse internal addresses")
    func browserURLs() async throws {
        try await Self.withAPI { client, _ in
            let agent = try await client.call(.post, "/api/v1/agents", ["name": "b", "kind": "browser", "model": "openai/gpt-4o"])
            #expect(agent.status == .created)
            for url in Self.internalURLs {
                let session = try await client.call(.post, "/api/v1/sessions", ["url": .string(url)])
                #expect(session.status == .unprocessableContent && session.json["field"] == "url", "\(url): \(session.json)")
                #expect(session.json["detail"]?.stringValue?.contains("HANGAR_ALLOW_PRIVATE_NETWORKS") == true)

                let inInput = try await client.call(.post, "/api/v1/tasks", ["agent_id": "b", "input": ["task": "t", "url": .string(url)]])
                #expect(inInput.status == .unprocessableContent && inInput.json["field"] == "input.url", "\(url): \(inInput.json)")
                let topLevel = try await client.call(.post, "/api/v1/tasks", ["agent_id": "b", "task": "t", "url": .string(url)])
                #expect(topLevel.status == .unprocessableContent && topLevel.json["field"] == "input.url", "\(url): \(topLevel.json)")

                let devtools = try await client.call(
                    .post, "/api/v1/agents", ["name": "d", "kind": "browser", "model": "openai/gpt-4o", "config": ["environment": ["devtools_url": .string(url)]]])
                #expect(devtools.status == .unprocessableContent && devtools.json["field"] == "config.environment.devtools_url", "\(url): \(devtools.json)")
                let neko = try await client.call(
                    .post, "/api/v1/agents",
                    [
                        "name": "n", "kind": "browser", "model": "openai/gpt-4o",
                        "config": ["environment": ["type": "neko", "url": .string(url), "username": "u", "password_secret": "P"]],
                    ])
                #expect(neko.status == .unprocessableContent && neko.json["field"] == "config.environment.url", "\(url): \(neko.json)")
                let sessionNeko = try await client.call(
                    .post, "/api/v1/sessions", ["environment": ["type": "neko", "url": .string(url), "username": "u", "password": "p"]])
                #expect(sessionNeko.status == .unprocessableContent && sessionNeko.json["field"] == "environment.url", "\(url): \(sessionNeko.json)")
                let sessionDevtools = try await client.call(.post, "/api/v1/sessions", ["environment": ["type": "cdp", "devtools_url": .string(url)]])
                #expect(sessionDevtools.status == .unprocessableContent && sessionDevtools.json["field"] == "environment.devtools_url")
            }
        }
    }

    @Test("Finding 8: a browser task's top-level url and session_id reach its input")
    func topLevelURL() async throws {
        try await Self.withAPI { client, store in
            #expect(try await client.call(.post, "/api/v1/agents", ["name": "b", "kind": "browser", "model": "openai/gpt-4o"]).status == .created)
            let task = try await client.call(.post, "/api/v1/tasks", ["agent_id": "b", "task": "t", "url": "https://example.com/start", "session_id": "ses_x"])
            #expect(task.status == .created, "\(task.json)")
            let id = try #require(task.json["id"]?.stringValue)
            let stored = try #require(try await store.taskGet(tenantID: nil, id: id))
            #expect(stored.input["url"] == "https://example.com/start" && stored.input["session_id"] == "ses_x" && stored.input["task"] == "t")
        }
    }

    @Test("Private endpoints are reached through the operator's named environments, and only those")
    func namedEnvironments() async throws {
        let (script, marker) = try Self.trap()
        let named = try NamedEnvironments.parse(
            #"{"lab": {"type": "cdp", "devtools_url": "http://127.0.0.1:9"}, "beta": {"type": "cdp", "chrome_path": "\#(script)"}}"#)
        #expect(named["lab"] == .cdp(chromePath: nil, devtoolsURL: "http://127.0.0.1:9"))
        try await Self.withAPI(policy: BrowserPolicy(environments: named)) { client, _ in
            let lab = try await client.call(.post, "/api/v1/agents", ["name": "lab", "kind": "browser", "model": "openai/gpt-4o", "config": ["environment": "lab"]])
            #expect(lab.status == .created, "\(lab.json)")
            let unknown = try await client.call(
                .post, "/api/v1/agents", ["name": "u", "kind": "browser", "model": "openai/gpt-4o", "config": ["environment": "prod"]])
            #expect(unknown.status == .unprocessableContent && unknown.json["detail"]?.stringValue?.contains("defined: beta, lab") == true, "\(unknown.json)")
            // The operator's binary does run: the named environment is how an operator offers one.
            let beta = try await client.call(.post, "/api/v1/sessions", ["environment": "beta"])
            #expect(beta.status == .serviceUnavailable, "\(beta.json)")
            #expect(FileManager.default.fileExists(atPath: marker))
        }
        for bad in [#"[]"#, #"{"x y": {}}"#, #"{"a": {"type": "vnc"}}"#, #"{"a": {"type": "neko", "url": "http://n"}}"#, "not json"] {
            #expect(throws: HangarError.self) { try NamedEnvironments.parse(bad) }
        }
    }

    @Test("With HANGAR_ALLOW_PRIVATE_NETWORKS the same loopback URLs are accepted")
    func privateAllowed() async throws {
        try await Self.withAPI(policy: BrowserPolicy(allowPrivateNetworks: true)) { client, _ in
            #expect(try await client.call(.post, "/api/v1/agents", ["name": "b", "kind": "browser", "model": "openai/gpt-4o"]).status == .created)
            let task = try await client.call(.post, "/api/v1/tasks", ["agent_id": "b", "task": "t", "url": "http://127.0.0.1:9/"])
            #expect(task.status == .created, "\(task.json)")
            let agent = try await client.call(
                .post, "/api/v1/agents",
                ["name": "d", "kind": "browser", "model": "openai/gpt-4o", "config": ["environment": ["devtools_url": "http://127.0.0.1:9222"]]])
            #expect(agent.status == .created, "\(agent.json)")
        }
    }
}
