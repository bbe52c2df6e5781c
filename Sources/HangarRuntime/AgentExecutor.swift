public import HangarCore
public import HangarStore

/// An agent kind: given one attempt's context, runs the agent and returns its output.
///
/// Executors are cooperative: they must return promptly (throwing `CancellationError` is
/// fine) when their Swift task is cancelled — that is how cancellation, timeouts and lost
/// leases stop them. Throw a `TaskFailure` to say whether the failure is worth retrying;
/// any other error counts as retryable.
public protocol AgentExecutor: Sendable {
    func execute(_ context: TaskContext) async throws -> ExecutionResult
    /// Rejects an input this executor can never run, at submission time (throw
    /// `HangarError.invalid` naming the field). The default accepts everything.
    func validate(input: JSONValue) throws
    /// The same check with the task's `options` too (seed 000 puts a browser task's screen
    /// resolution, screenshots and capture switches there). The default checks the input only.
    func validate(input: JSONValue, options: JSONValue) throws
    /// Rejects an agent `config` this executor cannot run, or that points where the tenant may
    /// not reach, at agent create/update (throw `HangarError.invalid` naming the field). May
    /// resolve names. The default accepts everything.
    func validate(agentConfig: JSONValue) async throws
    /// The steps one task of this kind may take (`max_steps`, top level or in `input`): a
    /// submission outside it is refused, not silently clamped. `nil`: the kind has no steps.
    var maxStepsRange: ClosedRange<Int>? { get }
    /// What `GET /api/v1/agents/{id}` shows of the agent's running side (a service's health),
    /// under `runtime_status`. Answer within a few seconds. The default shows nothing.
    func runtimeStatus(of agent: Agent) async -> JSONValue?
}

extension AgentExecutor {
    public func validate(input: JSONValue) throws {}
    public func validate(input: JSONValue, options: JSONValue) throws { try validate(input: input) }
    public func validate(agentConfig: JSONValue) async throws {}
    public var maxStepsRange: ClosedRange<Int>? { nil }
    public func runtimeStatus(of agent: Agent) async -> JSONValue? { nil }
}

public struct ExecutionResult: Sendable {
    public var output: JSONValue
    public var usage: JSONValue?

    public init(output: JSONValue, usage: JSONValue? = nil) {
        self.output = output
        self.usage = usage
    }
}

/// Everything one attempt may use.
public struct TaskContext: Sendable {
    public let task: TaskRecord
    public let agent: Agent
    /// Absolute end of this attempt; the pool cancels the executor when it passes.
    public let deadline: ContinuousClock.Instant
    public let events: TaskEventSink
    let secrets: (any SecretReader)?
    /// Present when the task asked for narration and this process can speak.
    public let narration: (any Narration)?
    /// Where model calls are accounted (tokens, cost, the agent's budget).
    public let usage: (any UsageLedger)?
    /// Where model calls are measured (`provider_request_duration_seconds`, `provider_tokens_total`).
    public let metrics: HangarMetrics?

    public var attempt: Int { task.attempts }

    public init(
        task: TaskRecord, agent: Agent, deadline: ContinuousClock.Instant, events: TaskEventSink, secrets: (any SecretReader)? = nil,
        narration: (any Narration)? = nil, usage: (any UsageLedger)? = nil, metrics: HangarMetrics? = nil
    ) {
        self.metrics = metrics
        self.task = task
        self.agent = agent
        self.deadline = deadline
        self.events = events
        self.secrets = secrets
        self.narration = narration
        self.usage = usage
    }

    /// Says `text` aloud when the task is narrated; does nothing otherwise.
    public func narrate(_ text: String) async {
        await narration?.say(text)
    }

    /// The agent's secret named `key`, decrypted (provider keys, bot tokens, tool credentials).
    public func secret(_ key: String) async throws -> String? {
        try await secrets?.secret(tenantID: agent.tenantID, agentID: agent.id, key: key)
    }
}

/// The usage ledger as an executor sees it: record each model call as it returns, and ask
/// what the agent has spent so far (its `budget_limit` is checked before every step).
public protocol UsageLedger: Sendable {
    func record(_ record: UsageRecord) async throws
    /// USD the agent has spent, over all time.
    func spent(tenantID: String, agentID: String) async throws -> Double
}

/// Decrypts an agent's secrets for the executor that runs it.
public protocol SecretReader: Sendable {
    func secret(tenantID: String, agentID: String, key: String) async throws -> String?
}

/// Appends to the task's event log under the attempt's lease: once the lease is lost
/// (another attempt took over), emitting throws `HangarError.leaseLost`.
public struct TaskEventSink: Sendable {
    let store: any EventStore
    let taskID: String
    let leaseToken: String?

    public init(store: any EventStore, taskID: String, leaseToken: String?) {
        self.store = store
        self.taskID = taskID
        self.leaseToken = leaseToken
    }

    public func emit(_ events: [NewTaskEvent]) async throws {
        let params = EventAppendParams(taskID: taskID, leaseToken: leaseToken, events: events)
        _ = try await withStoreDeadline(.seconds(30), "an event append") { [store] in try await store.eventAppend(params) }
    }

    public func emit(_ type: String, _ data: JSONValue) async throws {
        try await emit([NewTaskEvent(type: type, data: data)])
    }

    public func log(_ message: String, level: String = "info") async throws {
        try await emit(NewTaskEvent.Kind.log, ["level": .string(level), "message": .string(message)])
    }

    public func progress(_ percent: Double, message: String? = nil) async throws {
        var data: [String: JSONValue] = ["progress": .double(percent)]
        if let message { data["message"] = .string(message) }
        try await emit(NewTaskEvent.Kind.progress, .object(data))
    }
}

/// Maps agent kinds to executors.
public struct ExecutorRegistry: Sendable {
    public private(set) var executors: [String: any AgentExecutor]

    public init(_ executors: [String: any AgentExecutor] = [:]) {
        self.executors = executors
    }

    public mutating func register(_ kind: String, _ executor: any AgentExecutor) {
        executors[kind] = executor
    }

    public func executor(for kind: String) -> (any AgentExecutor)? {
        executors[kind]
    }

    public var kinds: [String] { executors.keys.sorted() }
}
