import Foundation
public import HangarAgents
public import HangarBlobs
public import HangarCapture
public import HangarCore
public import HangarRuntime

/// `kind: "browser"`: the Neko-style GUI agent. Each step takes a screenshot, asks the
/// agent's vision model (ShowUI's prompt and action space) for the next action, and performs
/// it, until the model answers (`ANSWER`) or `max_steps` run out.
///
/// Agent config: `environment` (`{"type": "cdp", …}`, `{"type": "neko", "url", "username",
/// "password_secret"}` or the name of an operator's environment), `system_prompt`, `jpeg_quality` (1–100, default 80), `temperature`,
/// `max_tokens`, `parse_retries` (0–3, default 1), `api_key_secret`. The model is the agent's
/// `model` (`provider/name`). Model calls are accounted like the LLM executor's (usage
/// ledger, budget, metrics); the environment is released however the task ends.
public struct BrowserExecutor: AgentExecutor {
    let catalog: ModelCatalog
    let environments: any BrowserEnvironmentProvider
    let blobs: (any BlobStore)?
    let capture: (any EpisodeRecorderFactory)?
    /// Where a tenant's URLs may point and which named environments exist.
    let policy: BrowserPolicy

    public init(
        catalog: ModelCatalog, environments: any BrowserEnvironmentProvider, blobs: (any BlobStore)? = nil,
        capture: (any EpisodeRecorderFactory)? = nil, policy: BrowserPolicy = BrowserPolicy()
    ) {
        self.policy = policy
        self.catalog = catalog
        self.environments = environments
        self.blobs = blobs
        self.capture = capture
    }

    public static let kind = "browser"
    static let defaultJPEGQuality = 80
    static let defaultParseRetries = 1

    public var maxStepsRange: ClosedRange<Int>? { BrowserInput.maxStepsRange }

    public func validate(input: JSONValue) throws {
        try check(BrowserInput.parse(input))
    }

    public func validate(input: JSONValue, options: JSONValue) throws {
        try check(BrowserInput.parse(input: input, taskOptions: options, taskMaxSteps: nil))
    }

    /// The start URL may not name an internal address (the browser's egress proxy refuses
    /// every connection there anyway; this says so at submission).
    private func check(_ input: BrowserInput) throws(HangarError) {
        if let url = input.url { try policy.checkLiteral(url, field: "input.url") }
    }

    public func validate(agentConfig: JSONValue) async throws {
        try await policy.validate(BrowserAgentConfig.parse(agentConfig).environment)
    }

    public func execute(_ context: TaskContext) async throws -> ExecutionResult {
        let input: BrowserInput
        let config: BrowserAgentConfig
        do {
            input = try BrowserInput.parse(input: context.task.input, taskOptions: context.task.options, taskMaxSteps: nil)
            try check(input)
        } catch {
            throw TaskFailure(code: "invalid_input", message: error.description, retryable: false)
        }
        do {
            config = try BrowserAgentConfig.parse(context.agent.config)
        } catch {
            throw TaskFailure(code: "invalid_config", message: error.description, retryable: false)
        }
        if input.saveScreenshots, blobs == nil {
            throw TaskFailure(code: "screenshots_unavailable", message: "save_screenshots is set but this worker has no blob store", retryable: false)
        }
        if input.enableCapture, capture == nil {
            throw TaskFailure(code: "capture_unavailable", message: "enable_capture is set but this worker has no capture configured", retryable: false)
        }
        guard let modelName = context.agent.model, !modelName.isEmpty else {
            throw TaskFailure(code: "invalid_config", message: "a browser agent needs a vision model (agent.model, e.g. openai/gpt-4o)", retryable: false)
        }
        let (provider, model) = try catalog.providers.resolve(modelName)
        let apiKey = try await context.modelAPIKey(config: context.agent.config.objectValue ?? [:], provider: provider)
        let spec = try await environmentSpec(input: input, config: config, context: context)

        let caller = ModelCaller(
            context: context, provider: provider, model: model, modelName: modelName, catalog: catalog, apiKey: apiKey,
            temperature: config.temperature, maxTokens: config.maxTokens)
        let planner = ActionPlanner(
            caller: caller, systemPrompt: config.systemPrompt ?? ShowUIPrompt.system(mode: input.mode), task: input.task, mode: input.mode,
            parseRetries: config.parseRetries, jpegQuality: config.jpegQuality, events: context.events)
        let maxSteps = min(BrowserInput.maxStepsRange.upperBound, max(1, context.task.maxSteps ?? input.maxSteps))

        let lease = try await acquire(spec, resolution: input.resolution, context: context)
        let run = BrowserRun(
            context: context, input: input, maxSteps: maxSteps, environment: lease.environment, planner: planner, blobs: blobs, capture: capture,
            jpegQuality: config.jpegQuality)
        let body: @Sendable () async throws -> BrowserRun.Outcome = {
            var run = run
            return try await run.execute()
        }
        do {
            let outcome: BrowserRun.Outcome
            if let timeout = input.timeout {
                let deadline = min(context.deadline, ContinuousClock.now + .seconds(fractional: timeout))
                outcome = try await withDeadline(deadline, seconds: timeout, body)
            } else {
                outcome = try await body()
            }
            await lease.release()
            return ExecutionResult(output: outcome.output, usage: outcome.usage)
        } catch {
            await lease.release()
            throw error
        }
    }

    /// The environment to run in: the task's session, or the agent's configured one (a Neko
    /// password comes from the agent's secrets; a tenant's URL is checked again now).
    private func environmentSpec(input: BrowserInput, config: BrowserAgentConfig, context: TaskContext) async throws -> EnvironmentSpec {
        if let id = input.sessionID { return .session(id: id) }
        do {
            return try await policy.resolve(config.environment) { name in
                guard let password = try await context.secret(name) else {
                    throw TaskFailure(code: "secret_missing", message: "the agent has no secret '\(name)' (config.environment.password_secret)", retryable: false)
                }
                return password
            }
        } catch let error as HangarError {
            throw TaskFailure(code: "environment_refused", message: error.description, retryable: false)
        }
    }

    /// The lease, with registry errors as task failures: a busy session may free up (retry),
    /// a missing one will not.
    private func acquire(_ spec: EnvironmentSpec, resolution: ScreenSize, context: TaskContext) async throws -> EnvironmentLease {
        do {
            return try await environments.environment(for: spec, resolution: resolution, context: context)
        } catch let error as HangarError {
            switch error {
            case .notFound: throw TaskFailure(code: "session_not_found", message: error.description, retryable: false)
            case .conflict: throw TaskFailure(code: "session_busy", message: error.description, retryable: true)
            case .invalid: throw TaskFailure(code: "invalid_environment", message: error.description, retryable: false)
            default: throw error
            }
        }
    }
}
