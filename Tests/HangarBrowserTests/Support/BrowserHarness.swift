import Foundation
import HangarAgents
import HangarBlobs
import HangarCapture
import HangarCore
import HangarRuntime
import HangarStore
import HangarTestSupport
import Testing

@testable import HangarBrowser

/// Runs a `BrowserExecutor` attempt directly against a real SQLite store (events under a real
/// lease), a scripted OpenAI-compatible server and fakes for the environment, narration,
/// usage ledger, blob store and capture.
struct BrowserHarness {
    let store: any HangarStore
    let agent: Agent
    let narration = FakeNarration()
    let usage = FakeUsageLedger()
    let blobs = MemoryBlobStore()
    let capture = FakeCapture()

    struct Attempt {
        var task: TaskRecord
        var result: Result<ExecutionResult, any Error>

        var output: JSONValue? { try? result.get().output }
        var failure: TaskFailure? {
            if case .failure(let error) = result { return error as? TaskFailure }
            return nil
        }
    }

    static let clients = ProviderConfiguration.makeHTTPClient()

    static func catalog(_ url: String) -> ModelCatalog {
        var registry = ProviderRegistry()
        registry.register(
            "openai",
            OpenAICompatibleProvider(
                endpoint: ProviderEndpoint(
                    name: "openai", kind: .openai, baseURL: url + "/v1", apiKey: "sk-test", requestTimeout: .seconds(30),
                    retry: ProviderRetryPolicy(maxRetries: 0, baseDelay: .milliseconds(10), maxDelay: .milliseconds(20))),
                client: clients))
        return ModelCatalog(providers: registry, prices: PriceTable())
    }

    /// A store with a `browser` agent on `openai/gpt-4o` (or `model`), for `body`.
    static func with(
        config: JSONValue = .emptyObject, model: String = "openai/gpt-4o", budget: Double? = nil, _ body: (BrowserHarness) async throws -> Void
    ) async throws {
        try await withTestStore(.sqlite) { store, _ in
            let agent = try await store.agentInsert(
                AgentInsertParams(tenantID: Tenant.defaultID, name: "surfer", kind: "browser", model: model, config: config, budgetLimit: budget))
            try await body(BrowserHarness(store: store, agent: agent))
        }
    }

    /// Submits `input`, claims it and runs one attempt of `executor` on it.
    func run(_ executor: BrowserExecutor, input: JSONValue, timeout: Double = 60) async throws -> Attempt {
        try await store.submit(agent, input: input, timeoutSeconds: timeout)
        let claimed = try #require(try await store.claim(1, kinds: ["browser"]).first)
        let context = TaskContext(
            task: claimed.task, agent: claimed.agent, deadline: .now + .seconds(timeout),
            events: TaskEventSink(store: store, taskID: claimed.task.id, leaseToken: claimed.task.leaseToken), narration: narration, usage: usage)
        do {
            return Attempt(task: claimed.task, result: .success(try await executor.execute(context)))
        } catch {
            return Attempt(task: claimed.task, result: .failure(error))
        }
    }

    func events(_ task: TaskRecord, _ type: String) async throws -> [JSONValue] {
        try await store.eventList(taskID: task.id, afterSeq: 0, limit: 10_000).filter { $0.type == type }.map(\.data)
    }
}

actor FakeNarration: Narration {
    nonisolated var details: JSONValue { ["kind": "fake"] }
    private(set) var lines: [String] = []
    func say(_ text: String) async { lines.append(text) }
    func finish() async {}
}

actor FakeUsageLedger: UsageLedger {
    private(set) var records: [UsageRecord] = []
    var spentSoFar = 0.0

    func record(_ record: UsageRecord) async throws {
        records.append(record)
        spentSoFar += record.costUSD
    }

    func spent(tenantID: String, agentID: String) async throws -> Double { spentSoFar }
    func setSpent(_ value: Double) { spentSoFar = value }
}
