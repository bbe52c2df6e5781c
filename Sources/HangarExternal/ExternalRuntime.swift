public import HangarCore
public import HangarRuntime

/// One task run as a job: what to start and with which environment (the job contract's
/// `HANGAR_*` variables included).
public struct ExternalJob: Sendable {
    public var taskID: String
    public var command: [String]
    public var environment: [String: String]
    public var workingDirectory: String?

    public init(taskID: String, command: [String], environment: [String: String], workingDirectory: String?) {
        self.taskID = taskID
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
    }
}

/// How a job ended.
public struct JobOutcome: Sendable, Equatable {
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    public var termination: Termination
    /// The last line of stdout that parsed as JSON.
    public var output: JSONValue?
    /// The last lines of stderr, for a failure's message.
    public var standardErrorTail: [String]
    /// The process id the job ran as (its process group's too).
    public var processID: Int32

    public init(termination: Termination, output: JSONValue?, standardErrorTail: [String], processID: Int32) {
        self.termination = termination
        self.output = output
        self.standardErrorTail = standardErrorTail
        self.processID = processID
    }
}

/// A place external agents run (`config.runtime`). The local runtime runs jobs as processes
/// on the worker; the Kubernetes runtime (not built yet) implements the same seam with
/// `batch/v1` Jobs and Deployments.
///
/// Cancellation is the Swift task's: a runtime stops the job (everything it started) when
/// the calling task is cancelled, which is how task cancel and the task timeout reach it.
public protocol ExternalRuntime: Sendable {
    /// Runs `job` to completion, streaming its output lines into `events`.
    func runJob(_ job: ExternalJob, events: TaskEventSink) async throws -> JobOutcome
    /// The base URL a service agent's tasks go to: `config.url` for a server Hangar is given;
    /// a runtime that starts services answers with the one it started.
    func serviceURL(agentID: String, config: ExternalAgentConfig) async throws -> String
}
