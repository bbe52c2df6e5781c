import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HangarCore
public import HangarRuntime
import Subprocess
import Synchronization
import SystemPackage

/// Runs jobs as processes on this worker, through swift-subprocess. Each job leads its own
/// session (so its own process group): cancelling the calling task sends SIGTERM to the
/// whole group, then SIGKILL after `gracePeriod`; and however the job ends, what is left of
/// its group is killed, so nothing it started outlives it.
public struct LocalRuntime: ExternalRuntime {
    /// Longest stdout/stderr line kept (for the output line and the event log).
    public var maxLineBytes: Int
    /// Longest line text put in one event.
    public var maxEventLineBytes: Int
    /// Lines of each stream put into the event log; the rest are counted, not stored.
    public var maxEventLines: Int
    public var gracePeriod: Duration

    public init(maxLineBytes: Int = 1 << 20, maxEventLineBytes: Int = 4096, maxEventLines: Int = 1000, gracePeriod: Duration = .seconds(2)) {
        self.maxLineBytes = maxLineBytes
        self.maxEventLineBytes = maxEventLineBytes
        self.maxEventLines = maxEventLines
        self.gracePeriod = gracePeriod
    }

    public func serviceURL(agentID: String, config: ExternalAgentConfig) async throws -> String {
        guard case .url(let url) = config.target else {
            throw TaskFailure(code: "not_built", message: "local services started from a command are not built yet", retryable: false)
        }
        return url
    }

    public func runJob(_ job: ExternalJob, events: TaskEventSink) async throws -> JobOutcome {
        let program = job.command[0]
        let executable: Executable = program.contains("/") ? .path(FilePath(program)) : .name(program)
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: gracePeriod)]
        var environment: [Environment.Key: String] = [:]
        for (name, value) in job.environment { environment[Environment.Key(stringLiteral: name)] = value }
        let streams = StreamReading(maxLineBytes: maxLineBytes, maxEventLineBytes: maxEventLineBytes, maxEventLines: maxEventLines, events: events)
        let result: Subprocess.ExecutionResult<(StreamReading.Result, StreamReading.Result, Int32), SequenceOutput, SequenceOutput>
        let group = ProcessGroup()
        // swift-subprocess's teardown stops once the leader exits, so a child that ignored
        // SIGTERM would survive it: the group gets its SIGKILL here, after every ending.
        defer { group.kill() }
        do {
            result = try await run(
                executable, arguments: Arguments(Array(job.command.dropFirst())), environment: .custom(environment),
                workingDirectory: job.workingDirectory.map { FilePath($0) }, platformOptions: options, input: .none, output: .sequence, error: .sequence
            ) { execution in
                group.started(execution.processIdentifier.value)
                async let out = streams.read(execution.standardOutput, stream: "stdout")
                async let err = streams.read(execution.standardError, stream: "stderr")
                return (try await out, try await err, execution.processIdentifier.value)
            }
        } catch let error as SubprocessError {
            throw TaskFailure(code: "job_start_failed", message: "could not start '\(program)': \(error)", retryable: false)
        }
        try Task.checkCancellation()
        let (out, err, pid) = result.closureResult
        let termination: JobOutcome.Termination
        switch result.terminationStatus {
        case .exited(let code): termination = .exited(code)
        case .signaled(let signal): termination = .signaled(signal)
        }
        return JobOutcome(termination: termination, output: out.lastJSON, standardErrorTail: err.tail, processID: pid)
    }
}

/// The job's process group, once started. Its id is the leader's pid, which Linux does not
/// hand out again while any process of the group lives; so a kill after the leader was reaped
/// still reaches the group's stragglers, and finds nothing when there are none.
final class ProcessGroup: Sendable {
    private let id = Mutex<pid_t?>(nil)

    func started(_ pid: pid_t) {
        id.withLock { $0 = pid }
    }

    func kill() {
        guard let pid = id.withLock({ $0 }), pid > 1 else { return }
        _ = Glibc.kill(-pid, SIGKILL)
    }
}

/// Reads one output stream into lines: logs them as task events (bounded), remembers the
/// last line that parses as JSON and the last few lines.
struct StreamReading: Sendable {
    struct Result: Sendable {
        var lastJSON: JSONValue?
        var tail: [String] = []
    }

    let maxLineBytes: Int
    let maxEventLineBytes: Int
    let maxEventLines: Int
    let events: TaskEventSink
    static let tailLines = 20

    func read(_ sequence: SubprocessOutputSequence, stream: String) async throws -> Result {
        var splitter = OutputLines(maxLineBytes: maxLineBytes)
        var result = Result()
        var logged = 0
        var dropped = 0
        func take(_ line: OutputLines.Line) async throws {
            if stream == "stdout", !line.truncated, let json = try? JSONText.decode(line.text) { result.lastJSON = json }
            result.tail.append(String(decoding: line.text.utf8.prefix(maxEventLineBytes), as: UTF8.self))
            if result.tail.count > Self.tailLines { result.tail.removeFirst() }
            guard logged < maxEventLines else {
                dropped += 1
                return
            }
            logged += 1
            var text = line.text
            var truncated = line.truncated
            if text.utf8.count > maxEventLineBytes {
                text = String(decoding: text.utf8.prefix(maxEventLineBytes), as: UTF8.self)
                truncated = true
            }
            var data: [String: JSONValue] = ["level": .string(stream == "stderr" ? "warning" : "info"), "message": .string(text), "stream": .string(stream)]
            if truncated { data["truncated"] = true }
            try await events.emit(NewTaskEvent.Kind.log, .object(data))
        }
        for try await buffer in sequence {
            let bytes = buffer.withUnsafeBytes { Array($0) }
            for line in splitter.feed(bytes) { try await take(line) }
        }
        if let last = splitter.finish() { try await take(last) }
        if dropped > 0 {
            try await events.emit(
                NewTaskEvent.Kind.log,
                ["level": "warning", "stream": .string(stream), "message": .string("\(dropped) more \(stream) lines not logged (limit \(maxEventLines))")])
        }
        return result
    }
}
