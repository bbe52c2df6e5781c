import Foundation
import HangarAgents
import HangarBrowser
import HangarCore
import HangarRuntime
import HangarStore
import HTTPTypes
import Hummingbird

/// `/api/v1/tasks`: submit, list, read, change and cancel tasks.
struct TaskController {
    let store: any TaskStore & AgentStore & QuotaStore & UsageStore & AuditStore
    let registry: ExecutorRegistry
    let configuration: ServerConfiguration
    /// Where seed 000's tasks without `agent_id` go.
    let defaultBrowser: DefaultBrowserAgent
    let estimator: CompletionEstimator
    /// Session owners: a browser task naming a session is pinned to the process holding it.
    var sessions: SessionDirectory? = nil

    init(
        store: any TaskStore & AgentStore & QuotaStore & UsageStore & AuditStore, registry: ExecutorRegistry, configuration: ServerConfiguration,
        models: ModelCatalog, sessions: SessionDirectory? = nil
    ) {
        self.store = store
        self.registry = registry
        self.configuration = configuration
        self.sessions = sessions
        defaultBrowser = DefaultBrowserAgent(
            name: configuration.defaultBrowserAgent, model: configuration.defaultBrowserModel,
            modelProblem: { [providers = models.providers] in providers.problem(with: $0) })
        estimator = CompletionEstimator(store: store)
    }

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.post("/api/v1/tasks", use: submit)
        router.post("/api/v1/tasks/run", use: submit)
        router.get("/api/v1/tasks", use: list)
        router.get("/api/v1/tasks/{task_id}", use: get)
        router.get("/api/v1/tasks/{task_id}/status", use: get)
        router.put("/api/v1/tasks/{task_id}", use: update)
        router.delete("/api/v1/tasks/{task_id}", use: cancel)
    }

    /// `201` once the task is committed. With an `Idempotency-Key` seen before, the first
    /// task is returned again (`Idempotent-Replayed: true`) and nothing new is queued.
    @Sendable func submit(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: TaskSubmission.fields)
        var submission = try TaskSubmission.parse(
            body, tenantID: context.tenantID, idempotencyKey: request.headers[HTTPField.Name("Idempotency-Key")!],
            configuration: configuration)
        if let callback = submission.params.callbackURL {
            try await OutboundURL.require(callback, field: "callback_url", configuration: configuration, mustResolve: false)
        }
        if let key = submission.params.idempotencyKey,
            let first = try await store.taskGetByIdempotencyKey(tenantID: context.tenantID, key: key)
        {
            return try await created(first, replayed: true)
        }
        let agent: Agent
        if let reference = submission.agentReference {
            guard let found = try await store.agentGet(tenantID: context.tenantID, idOrName: reference) else {
                throw APIError(.notFound, "agent '\(reference)' not found", field: "agent_id")
            }
            agent = found
        } else {
            agent = try await defaultBrowser.resolve(store, context: context)
        }
        guard agent.isActive else { throw APIError(.conflict, "agent '\(agent.name)' is inactive", field: "agent_id") }
        try await QuotaController.checkSubmission(store, tenantID: context.tenantID, agent: agent)
        try await AgentBudget.check(store, agent: agent)
        if let executor = registry.executor(for: agent.kind) {
            try executor.validate(input: submission.params.input, options: submission.params.options)
            if let steps = submission.params.maxSteps, let range = executor.maxStepsRange, !range.contains(steps) {
                throw APIError.invalid("max_steps", "must be from \(range.lowerBound) to \(range.upperBound) for a \(agent.kind) agent")
            }
        }
        submission.params.agentID = agent.id
        try await pinToSessionOwner(&submission.params, agent: agent)
        let result = try await store.taskInsert(submission.params)
        return try await created(result.task, replayed: !result.inserted)
    }

    /// A browser task in a persistent session can run only in the process whose memory holds
    /// that session: pin it there. A session whose process stopped is refused now, naming both.
    /// A session not recorded at all is left to the executor (it answers "not found").
    private func pinToSessionOwner(_ params: inout TaskInsertParams, agent: Agent) async throws {
        guard let sessions, agent.kind == BrowserExecutor.kind,
            let input = try? BrowserInput.parse(input: params.input, taskOptions: params.options, taskMaxSteps: nil),
            let sessionID = input.sessionID,
            let owner = try await sessions.liveOwner(of: sessionID, tenantID: params.tenantID)
        else { return }
        params.ownerProcess = owner.processID
    }

    /// The task, with seed 000's `estimated_completion` while it is queued.
    private func created(_ task: TaskRecord, replayed: Bool) async throws -> Response {
        var headers: HTTPFields = [.location: "/api/v1/tasks/\(task.id)"]
        if replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        var body = TaskRepresentation.json(task)
        if case .object(var fields) = body {
            fields["estimated_completion"] = try await estimator.estimate(task).map { .string(Timestamp.format($0)) } ?? .null
            body = .object(fields)
        }
        return JSONResponse.make(body, status: .created, headers: headers)
    }

    @Sendable func list(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let query = Query(request)
        var statuses: [TaskStatus] = []
        for name in (query.string("status") ?? "").split(separator: ",") {
            guard let status = TaskStatus(rawValue: String(name)) else {
                throw APIError.invalid("status", "must be one of \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            statuses.append(status)
        }
        var agentID = query.string("agent_id")
        if let reference = agentID, let agent = try await store.agentGet(tenantID: context.tenantID, idOrName: reference) {
            agentID = agent.id
        }
        let tasks = try await store.taskList(
            TaskListParams(
                tenantID: context.tenantID, agentID: agentID, agentKind: query.string("kind") ?? query.string("agent_type"),
                statuses: statuses, limit: try query.int("limit", in: 1...1000, default: 100),
                offset: try query.int("offset", in: 0...10_000_000, default: 0)))
        return JSONResponse.make(.array(tasks.map(TaskRepresentation.json)))
    }

    @Sendable func get(_ request: Request, context: HangarRequestContext) async throws -> Response {
        JSONResponse.make(TaskRepresentation.json(try await task(context)))
    }

    /// Priority, timeout and max attempts may change while the task waits; `409` after.
    @Sendable func update(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let task = try await task(context)
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: ["priority", "timeout", "max_attempts"])
        let updated = try await store.taskUpdateQueued(
            TaskUpdateParams(
                tenantID: context.tenantID, id: task.id,
                priority: body.has("priority") && !body.isNull("priority") ? try TaskSubmission.parsePriority(body.fields["priority"]) : nil,
                timeoutSeconds: try body.double("timeout", in: 0.001...configuration.security.maxExecutionSeconds), maxAttempts: try body.int("max_attempts", in: 1...100)))
        return JSONResponse.make(TaskRepresentation.json(updated))
    }

    /// Queued tasks end at once; running ones are stopped by their worker within a second
    /// and end `cancelled` (follow the events to see it). Finished tasks are unchanged.
    @Sendable func cancel(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let task = try await task(context)
        let result = try await store.taskCancel(tenantID: context.tenantID, id: task.id, reason: "cancelled by API request")
        return JSONResponse.make(TaskRepresentation.json(result))
    }

    private func task(_ context: HangarRequestContext) async throws -> TaskRecord {
        let id = try context.parameters.decoded("task_id")
        guard let task = try await store.taskGet(tenantID: context.tenantID, id: id) else { throw APIError.notFound("task", id) }
        return task
    }
}
