import Foundation
public import HangarCore
public import HangarRuntime

/// The `external` agent kind: a task goes to an Agent Protocol service (`config.url`) or runs
/// as a job (`config.command`) on a runtime (only `local` is built).
public struct ExternalExecutor: AgentExecutor {
    public static let kind = "external"

    public let runtime: any ExternalRuntime
    public let client: AgentProtocolClient
    /// Programs a job may start (`HANGAR_EXTERNAL_COMMANDS`); `nil`: any.
    public let commands: Set<String>?
    /// The worker's variables a job inherits (only these: the worker's own keys stay with it).
    public let inheritedEnvironment: [String: String]
    public let healthTimeout: Duration

    public init(
        runtime: any ExternalRuntime = LocalRuntime(), client: AgentProtocolClient, commands: Set<String>?,
        inheritedEnvironment: [String: String] = ExternalExecutor.inherited(ProcessInfo.processInfo.environment), healthTimeout: Duration = .seconds(2)
    ) {
        self.runtime = runtime
        self.client = client
        self.commands = commands
        self.inheritedEnvironment = inheritedEnvironment
        self.healthTimeout = healthTimeout
    }

    /// `PATH`, `HOME`, locale and time zone: what programs expect, and no credentials.
    public static func inherited(_ environment: [String: String]) -> [String: String] {
        environment.filter { ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"].contains($0.key) }
    }

    public func validate(agentConfig: JSONValue) async throws {
        try check(ExternalAgentConfig.parse(agentConfig))
    }

    /// What the worker allows: the program on the command list, the URL inside the network policy.
    private func check(_ config: ExternalAgentConfig) throws(HangarError) {
        switch config.target {
        case .command(let argv):
            if let commands, !commands.contains(argv[0]) {
                throw .invalid(
                    field: "config.command[0]",
                    message: "'\(argv[0])' is not a command this server runs; an operator lists them in HANGAR_EXTERNAL_COMMANDS")
            }
        case .url(let url):
            if case .refused(let reason, _) = client.policy.checkLiteral(url: url) {
                throw .invalid(field: "config.url", message: "is refused by the network policy: \(reason)")
            }
        case .image: break
        }
    }

    public func execute(_ context: TaskContext) async throws -> ExecutionResult {
        let config: ExternalAgentConfig
        do {
            config = try ExternalAgentConfig.parse(context.agent.config)
            try check(config)
        } catch {
            throw TaskFailure(code: "invalid_config", message: "\(error)", retryable: false)
        }
        let remaining = max(Duration.seconds(1), context.deadline - ContinuousClock.now)
        switch config.mode {
        case .service:
            let base = try await runtime.serviceURL(agentID: context.agent.id, config: config)
            let body = AgentProtocolClient.runBody(assistantID: config.assistantID, task: context.task, agent: context.agent, stream: config.stream)
            let output =
                config.stream
                ? try await client.stream(base: base, body: body, timeout: remaining, events: context.events)
                : try await client.wait(base: base, body: body, timeout: remaining)
            return ExecutionResult(output: output)
        case .job:
            guard case .command(let argv) = config.target else {
                throw TaskFailure(code: "invalid_config", message: "a job needs config.command on the local runtime", retryable: false)
            }
            let job = ExternalJob(
                taskID: context.task.id, command: argv, environment: try await environment(config, context: context),
                workingDirectory: config.workingDirectory)
            let outcome = try await runtime.runJob(job, events: context.events)
            switch outcome.termination {
            case .exited(0):
                return ExecutionResult(output: outcome.output ?? .null)
            case .exited(let code):
                throw TaskFailure(code: "job_failed", message: "exited with code \(code)\(Self.tail(outcome.standardErrorTail))", retryable: false)
            case .signaled(let signal):
                throw TaskFailure(code: "job_failed", message: "killed by signal \(signal)\(Self.tail(outcome.standardErrorTail))", retryable: false)
            }
        }
    }

    /// The job contract: the worker's harmless variables, `config.env`, the named secrets,
    /// then `HANGAR_TASK_ID` and `HANGAR_TASK_INPUT`, which nothing overrides.
    func environment(_ config: ExternalAgentConfig, context: TaskContext) async throws -> [String: String] {
        var environment = inheritedEnvironment
        environment.merge(config.env) { _, new in new }
        for name in config.secrets {
            guard let value = try await context.secret(name) else {
                throw TaskFailure(code: "secret_missing", message: "config.secrets names '\(name)', and the agent has no such secret", retryable: false)
            }
            environment[name] = value
        }
        environment["HANGAR_TASK_ID"] = context.task.id
        environment["HANGAR_AGENT_ID"] = context.agent.id
        environment["HANGAR_TASK_INPUT"] = JSONText.encode(context.task.input)
        return environment
    }

    private static func tail(_ lines: [String]) -> String {
        let text = lines.suffix(10).joined(separator: "\n")
        guard !text.isEmpty else { return "" }
        return "; stderr ends with:\n" + String(text.suffix(2000))
    }

    public func runtimeStatus(of agent: Agent) async -> JSONValue? {
        guard let config = try? ExternalAgentConfig.parse(agent.config) else { return nil }
        var status: [String: JSONValue] = ["mode": .string(config.mode.rawValue), "runtime": .string(config.runtime.rawValue)]
        if config.mode == .service, case .url(let base) = config.target {
            status["health"] = await client.health(base: base, path: config.healthPath, timeout: healthTimeout).json
        }
        return .object(status)
    }
}
