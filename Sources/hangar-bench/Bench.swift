import ArgumentParser
import AsyncHTTPClient
import Foundation
import HangarCore
import HangarTimers
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// End-to-end benchmarks of real `hangar` processes (the `hangar` binary built beside this
/// one, or `HANGAR_BINARY`), driven over HTTP. A separate executable, so that the product
/// binary carries no load generator.
///
/// `hangar-bench throughput` (the default):
///
/// 1. throughput: N no-op `mock/echo` tasks submitted by concurrent clients and completed
///    by the server's workers; submit→start and submit→complete latency percentiles from the
///    tasks' own timestamps;
/// 2. memory: M tasks of `latency_ms` each in flight at once; peak resident memory of the
///    server process (read from /proc);
/// 3. fan-out: W WebSocket watchers on T tasks that stream tokens; how many the server holds
///    and how long an event takes from its commit to each watcher (see Bench+FanOut.swift).
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hangar-bench",
        abstract: "Benchmarks of hangar server processes: throughput, latency, memory and fan-out (default), or a long soak.",
        subcommands: [Throughput.self, Soak.self], defaultSubcommand: Throughput.self)
}

struct Throughput: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput", abstract: "Benchmark throughput, latency and memory of a hangar server process.")

    @Option(help: "postgres://… to benchmark PostgreSQL (tables go to a fresh schema); default: SQLite in a temp dir.")
    var database: String?
    @Option(help: "No-op tasks for the throughput run.") var tasks = 5000
    @Option(help: "Concurrent HTTP submitters.") var submitters = 32
    @Option(help: "Worker concurrency of the server (or of each worker process) in the throughput run.") var workers = 64
    @Option(
        name: .customLong("worker-processes"),
        help: "PostgreSQL only: run the throughput phase on `serve --workers 0` plus this many `hangar worker` processes (0: one serve runs the tasks).")
    var workerProcesses = 0
    @Option(name: .customLong("latency-tasks"), help: "Tasks for the light-load latency run (0 skips it).") var latencyTasks = 300
    @Option(name: .customLong("latency-pace-ms"), help: "Pause between submissions in the latency run.") var latencyPaceMs = 10
    @Option(name: .customLong("memory-tasks"), help: "Tasks in flight for the memory run (0 skips it).") var memoryTasks = 10_000
    @Option(name: .customLong("memory-latency-ms"), help: "Latency of each task in the memory run.") var memoryLatencyMs = 2000
    @Option(help: "WebSocket watchers for the fan-out run (0 skips it).") var watchers = 1000
    @Option(name: .customLong("watch-tasks"), help: "Streaming tasks the watchers are spread over.") var watchTasks = 50
    @Option(name: .customLong("watch-seconds"), help: "How long each streaming task writes.") var watchSeconds = 10

    func validate() throws {
        if workerProcesses < 0 { throw ValidationError("--worker-processes must be 0 or more") }
        if workerProcesses > 0, database == nil {
            throw ValidationError("--worker-processes needs --database postgres://…: separate processes share a queue only on PostgreSQL")
        }
    }

    func run() async throws {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: submitters + 4)))
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-bench-\(Identifier.leaseToken())").path
        /// Each phase gets an empty database: a fresh SQLite directory or PostgreSQL schema.
        func freshBackend(_ phase: String) -> [String] {
            guard let database else { return ["--data-dir", "\(scratch)/\(phase)"] }
            let separator = database.contains("?") ? "&" : "?"
            let schema = "bench_\(phase)_\(Identifier.leaseToken().prefix(8).replacingOccurrences(of: "-", with: ""))"
            return ["--database", "\(database)\(separator)schema=\(schema)"]
        }
        print("# hangar-bench — \(database == nil ? "SQLite" : "PostgreSQL"), \(ProcessInfo.processInfo.activeProcessorCount) cores\n")
        do {
            try await throughput(client: client, backend: freshBackend("throughput"))
            if latencyTasks > 0 { try await latency(client: client, backend: freshBackend("latency")) }
            if memoryTasks > 0 { try await memory(client: client, backend: freshBackend("memory")) }
            if watchers > 0 { try await fanOut(client: client, backend: freshBackend("fanout")) }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        try? FileManager.default.removeItem(atPath: scratch)
    }

    private func throughput(client: HTTPClient, backend: [String]) async throws {
        let server = try BenchServer(arguments: ["serve"] + backend + ["--workers", String(workerProcesses > 0 ? 0 : workers)])
        defer { server.stop() }
        try await server.waitUntilReady(client)
        // The API process migrated the schema; the workers start on it.
        let workerProcesses = try (0..<self.workerProcesses).map { _ in
            try BenchServer(arguments: ["worker"] + backend + ["--workers", String(workers)], listens: false)
        }
        defer { for process in workerProcesses { process.stop() } }
        let agent = try await server.createAgent(client, name: "noop-\(Identifier.leaseToken().prefix(6))", config: [:])
        let idleRSS = server.residentKB()

        let started = ContinuousClock.now
        try await submitAll(client, server: server, agent: agent, count: tasks)
        let submitted = ContinuousClock.now
        try await server.waitForCompleted(client, atLeast: tasks)
        let finished = ContinuousClock.now

        let (startLatency, endLatency) = try await completedLatencies(client, server: server)
        let total = (finished - started).seconds
        let layout = workerProcesses.isEmpty ? "server --workers \(workers)" : "serve --workers 0 + \(workerProcesses.count) × worker --workers \(workers)"
        print("## Throughput: \(tasks) no-op tasks, \(submitters) HTTP submitters, \(layout)\n")
        print("| measure | value |")
        print("| --- | --- |")
        print("| submitted over HTTP (201 each) | \(rate(tasks, (submitted - started).seconds)) tasks/s |")
        print("| completed end to end | \(rate(tasks, total)) tasks/s (\(String(format: "%.2f", total)) s in all) |")
        print("| submit → start latency p50 / p99 (under this flood) | \(ms(percentile(startLatency, 0.5))) / \(ms(percentile(startLatency, 0.99))) |")
        print("| submit → completed latency p50 / p99 (under this flood) | \(ms(percentile(endLatency, 0.5))) / \(ms(percentile(endLatency, 0.99))) |")
        print("| server RSS idle → after run | \(mb(idleRSS)) → \(mb(server.residentKB())) |")
        if !workerProcesses.isEmpty {
            print("| worker processes' RSS after run | \(workerProcesses.map { mb($0.residentKB()) }.joined(separator: ", ")) |")
        }
        print("")
    }

    /// Submit → start at a steady, light load (one submitter, `paceMs` apart): what one task
    /// waits for a free worker that is woken by the submission, not behind a backlog.
    private func latency(client: HTTPClient, backend: [String]) async throws {
        let server = try BenchServer(arguments: ["serve"] + backend + ["--workers", "16"])
        defer { server.stop() }
        try await server.waitUntilReady(client)
        let agent = try await server.createAgent(client, name: "noop-\(Identifier.leaseToken().prefix(6))", config: [:])
        for _ in 0..<latencyTasks {
            let reply = try await server.post(client, "/api/v1/tasks", ["agent_id": .string(agent), "input": ["prompt": "bench"]])
            guard reply.status == 201 else { throw ValidationError("submission failed: \(reply.status) \(reply.json)") }
            try await Timers.sleep(for: .milliseconds(latencyPaceMs))
        }
        try await server.waitForCompleted(client, atLeast: latencyTasks)
        let (startLatency, endLatency) = try await completedLatencies(client, server: server)
        print("## Latency: \(latencyTasks) no-op tasks submitted one at a time, \(latencyPaceMs) ms apart, server --workers 16\n")
        print("| measure | value |")
        print("| --- | --- |")
        print("| submit → start latency p50 / p99 | \(ms(percentile(startLatency, 0.5))) / \(ms(percentile(startLatency, 0.99))) |")
        print("| submit → completed latency p50 / p99 | \(ms(percentile(endLatency, 0.5))) / \(ms(percentile(endLatency, 0.99))) |")
        print("")
    }

    /// Submit → start and submit → completed of every completed task, in ms, from the tasks'
    /// own timestamps (set by the server and the database, not by this client).
    private func completedLatencies(_ client: HTTPClient, server: BenchServer) async throws -> (start: [Double], end: [Double]) {
        var startLatency: [Double] = []
        var endLatency: [Double] = []
        var offset = 0
        while true {
            let page = try await server.get(client, "/api/v1/tasks?status=completed&limit=1000&offset=\(offset)")
            let items = page.arrayValue ?? []
            for task in items {
                guard let created = task["created_at"]?.stringValue.flatMap(Timestamp.parse),
                    let start = task["started_at"]?.stringValue.flatMap(Timestamp.parse),
                    let end = task["completed_at"]?.stringValue.flatMap(Timestamp.parse)
                else { continue }
                startLatency.append(start.timeIntervalSince(created) * 1000)
                endLatency.append(end.timeIntervalSince(created) * 1000)
            }
            if items.count < 1000 { break }
            offset += 1000
        }
        return (startLatency, endLatency)
    }

    private func memory(client: HTTPClient, backend: [String]) async throws {
        // Queue everything first with a server that does not run tasks, then start one with
        // enough worker slots to hold all of them in flight at once.
        let agentName = "sleepy-\(Identifier.leaseToken().prefix(6))"
        do {
            let loader = try BenchServer(arguments: ["serve"] + backend + ["--workers", "0"])
            defer { loader.stop() }
            try await loader.waitUntilReady(client)
            let agent = try await loader.createAgent(client, name: agentName, config: ["latency_ms": .int(Int64(memoryLatencyMs))])
            try await submitAll(client, server: loader, agent: agent, count: memoryTasks)
        }
        let server = try BenchServer(
            arguments: ["serve"] + backend + ["--workers", String(memoryTasks), "--claim-batch", "1000"])
        defer { server.stop() }
        try await server.waitUntilReady(client)
        let startRSS = server.residentKB()
        var peakRunning = 0
        var peakRSS = 0
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(600) {
            let stats = try await server.get(client, "/api/v1/queue/stats")
            peakRunning = max(peakRunning, stats["tasks_by_status"]?["running"]?.intValue ?? 0)
            peakRSS = max(peakRSS, server.residentKB())
            if (stats["tasks_by_status"]?["completed"]?.intValue ?? 0) >= memoryTasks { break }
            try await Timers.sleep(for: .milliseconds(100))
        }
        let elapsed = (ContinuousClock.now - started).seconds
        print("## Memory: \(memoryTasks) mock tasks of \(memoryLatencyMs) ms, server --workers \(memoryTasks)\n")
        print("| measure | value |")
        print("| --- | --- |")
        print("| most tasks running at once (sampled) | \(peakRunning) |")
        print("| server RSS when ready | \(mb(startRSS)) |")
        print("| server peak RSS (VmHWM) | \(mb(max(peakRSS, server.peakKB()))) |")
        print("| all \(memoryTasks) completed after | \(String(format: "%.1f", elapsed)) s |")
        print("")
    }

    private func submitAll(_ client: HTTPClient, server: BenchServer, agent: String, count: Int) async throws {
        let next = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<submitters {
                group.addTask {
                    while await next.take(below: count) {
                        let reply = try await server.post(client, "/api/v1/tasks", ["agent_id": .string(agent), "input": ["prompt": "bench"]])
                        guard reply.status == 201 else { throw ValidationError("submit failed: HTTP \(reply.status)") }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}

private actor Counter {
    private var value = 0
    func take(below limit: Int) -> Bool {
        guard value < limit else { return false }
        value += 1
        return true
    }
}

/// A `hangar serve` child process on a free port.
final class BenchServer: @unchecked Sendable {
    let process = Process()
    let port: Int

    /// The benchmark's own admin key, given to every server it starts.
    static let key = "hgr_bench_\(Identifier.leaseToken())"

    /// `listens: false` for `hangar worker`, which serves no API.
    init(arguments: [String], environment extra: [String: String] = [:], listens: Bool = true) throws {
        port = try Self.freePort()
        process.executableURL = try Self.hangarBinary()
        process.arguments = arguments + (listens ? ["--port", String(port)] : [])
        var environment = ProcessInfo.processInfo.environment
        environment["HANGAR_LOG_LEVEL"] = "error"
        environment["HANGAR_ADMIN_KEY"] = Self.key
        environment.merge(extra) { _, new in new }
        process.environment = environment
        try process.run()
    }

    /// `HANGAR_BINARY`, else the `hangar` built beside this benchmark (same configuration).
    static func hangarBinary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["HANGAR_BINARY"] { return URL(fileURLWithPath: path) }
        let beside = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("hangar")
        guard FileManager.default.isExecutableFile(atPath: beside.path) else {
            throw ValidationError("no hangar binary at \(beside.path): build it first (swift build -c release --product hangar), or set HANGAR_BINARY")
        }
        return beside
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    func waitUntilReady(_ client: HTTPClient) async throws {
        for _ in 0..<400 {
            if let reply = try? await request(client, .GET, "/api/v1/ready", nil), reply.status == 200 { return }
            guard process.isRunning else { throw ValidationError("hangar serve exited during start-up") }
            try await Timers.sleep(for: .milliseconds(50))
        }
        throw ValidationError("hangar serve did not become ready")
    }

    func createAgent(_ client: HTTPClient, name: String, config: [String: JSONValue]) async throws -> String {
        let reply = try await post(client, "/api/v1/agents", ["name": .string(name), "model": "mock/echo", "config": .object(config)])
        guard let id = reply.json["id"]?.stringValue else { throw ValidationError("agent creation failed: \(reply.json)") }
        return id
    }

    func waitForCompleted(_ client: HTTPClient, atLeast count: Int) async throws {
        while true {
            let stats = try await get(client, "/api/v1/queue/stats")
            if (stats["tasks_by_status"]?["completed"]?.intValue ?? 0) >= count { return }
            if (stats["tasks_by_status"]?["failed"]?.intValue ?? 0) > 0 { throw ValidationError("tasks failed during the benchmark") }
            try await Timers.sleep(for: .milliseconds(10))
        }
    }

    func get(_ client: HTTPClient, _ path: String) async throws -> JSONValue {
        try await request(client, .GET, path, nil).json
    }

    func post(_ client: HTTPClient, _ path: String, _ body: JSONValue) async throws -> (status: Int, json: JSONValue) {
        try await request(client, .POST, path, body)
    }

    func delete(_ client: HTTPClient, _ path: String) async throws -> (status: Int, json: JSONValue) {
        try await request(client, .DELETE, path, nil)
    }

    /// `--data-dir` of a SQLite server.
    var dataDirectory: String? {
        guard let arguments = process.arguments, let index = arguments.firstIndex(of: "--data-dir"), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    private func request(_ client: HTTPClient, _ method: HTTPMethod, _ path: String, _ body: JSONValue?) async throws -> (status: Int, json: JSONValue) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(Self.key)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: JSONText.encode(body)))
        }
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), (try? JSONText.decode(String(buffer: bytes))) ?? .null)
    }

    /// VmRSS of the server, in KiB.
    func residentKB() -> Int { statusField("VmRSS") }
    /// VmHWM (peak RSS) of the server, in KiB.
    func peakKB() -> Int { statusField("VmHWM") }

    private func statusField(_ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw ValidationError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

func ms(_ value: Double) -> String { String(format: "%.1f ms", value) }
func mb(_ kb: Int) -> String { String(format: "%.0f MiB", Double(kb) / 1024) }
func rate(_ count: Int, _ seconds: Double) -> String { String(format: "%.0f", Double(count) / max(seconds, 1e-9)) }
