import Foundation
import HangarAgents
import HangarAuth
import HangarBlobs
import HangarBrowser
import HangarCapture
import HangarCore
import HangarRuntime
import HangarServer
import HangarSpeech
import HangarStore
import HangarTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore

/// Runs `body` against the router on a fresh store, with a worker pool when asked (running
/// `registry`'s kinds; by default `llm` on `models`).
/// Authentication is off (`--auth none`) unless `auth` is `.required`; the authorization
/// tests turn it on.
func withAPI(
    _ backend: TestBackend = .sqlite, auth: Authenticator.Mode = .none, workers: Bool = true, maxBodyBytes: Int = 1 << 20,
    security: SecurityPolicy = .moderate, rateLimits: RateLimits = RateLimits(), models: ModelCatalog = ModelCatalog(),
    metrics: HangarMetrics = .shared, registry: ExecutorRegistry? = nil, configure: @Sendable (inout ServerConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (any TestClientProtocol, any HangarStore) async throws -> Void
) async throws {
    try await withTestStore(backend) { store, _ in
        // Chat sessions without a model get the mock, named here as an operator would
        // (HANGAR_CHAT_DEFAULT_MODEL): the server itself defaults to none.
        var configuration = ServerConfiguration(
            maxBodyBytes: maxBodyBytes, sseKeepAlive: .milliseconds(200), rateLimits: rateLimits, security: security, chatDefaultModel: "mock/echo")
        configure(&configuration)
        let authenticator = try await Authenticator(store: store, mode: auth, cacheTTL: 0)
        // By default the workers run llm tasks on the same providers the routes check models against.
        let registry = registry ?? ExecutorRegistry(["llm": LLMExecutor(catalog: models)])
        let router = buildRouter(
            store: store, registry: registry, configuration: configuration, authenticator: authenticator, vault: .testing, models: models,
            metrics: metrics)
        let app = Application(router: router)
        let harness =
            workers
            ? PoolHarness(store: store, registry: registry, configuration: .testing(), metrics: metrics, secrets: VaultSecretReader(store: store, vault: .testing))
            : nil
        do {
            try await app.test(.router) { client in try await body(client, store) }
        } catch {
            try? await harness?.stop()
            throw error
        }
        try await harness?.stop()
    }
}

extension SpeechService {
    /// A speech service with an empty voices directory of its own, so the router serves every route.
    static func testing() -> SpeechService {
        let voices = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-voices-\(Identifier.leaseToken())")
        return SpeechService(configuration: SpeechConfiguration(voicesDirectory: voices))
    }
}

extension BrowserServices {
    /// Every browser route served: a scratch blob store and capture, sessions whose browsers
    /// are never started (creating one fails as if Chromium were missing).
    static func testing() -> BrowserServices {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-browser-\(Identifier.leaseToken())")
        let blobs = LocalBlobStore(root: directory.appendingPathComponent("blobs"))
        return BrowserServices(
            blobs: blobs,
            sessions: BrowserSessionRegistry { _, _, _ in throw HangarError.unavailable("no browser in this test") },
            capture: CaptureManager(configuration: CaptureConfiguration(outputDirectory: directory.appendingPathComponent("mds")), blobs: blobs))
    }
}

extension SecretBox {
    /// A fixed master key for tests.
    static let testing = try! SecretBox(keyData: Data(repeating: 7, count: 32))
}

extension TestResponse {
    var json: JSONValue { (try? JSONText.decode(String(buffer: body))) ?? .string(String(buffer: body)) }
    var text: String { String(buffer: body) }
}

extension TestClientProtocol {
    func send(_ method: HTTPRequest.Method, _ uri: String, json: JSONValue? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: JSONText.encode($0)) })
    }

    func raw(_ method: HTTPRequest.Method, _ uri: String, body: String) async throws -> TestResponse {
        try await execute(uri: uri, method: method, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
    }

    /// Registers an agent and returns its JSON. An `llm` agent without a model gets the mock,
    /// named: the server picks no model by itself.
    func agent(_ fields: JSONValue) async throws -> JSONValue {
        var fields = fields
        if case .object(var object) = fields, object["model"] == nil, object["model_name"] == nil,
            (object["kind"]?.stringValue ?? "llm") == "llm"
        {
            object["model"] = "mock/echo"
            fields = .object(object)
        }
        let response = try await send(.post, "/api/v1/agents", json: fields)
        guard response.status == .created else { throw WaitTimeout(description: "agent create failed: \(response.text)") }
        return response.json
    }

    /// Polls a task until its status is final.
    func finished(_ id: String, timeout: Duration = .seconds(10)) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let task = try await send(.get, "/api/v1/tasks/\(id)").json
            if let status = task["status"]?.stringValue, TaskStatus(rawValue: status)?.isFinal == true { return task }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw WaitTimeout(description: "task \(id) did not finish")
    }
}
