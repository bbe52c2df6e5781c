import ArgumentParser
import AsyncHTTPClient
import Foundation
import HangarCore
import HangarTimers
import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `hangar-bench soak`: a steady mixed load for a long time, watching whether the server's
/// processes keep their memory and descriptors flat (docs/operations.md#soak).
///
/// SQLite: one `hangar serve`. PostgreSQL: `serve --workers 0` and two `worker` processes on one
/// fresh schema. The load: tasks at `--rate` per second — most complete, some fail once and are
/// retried, some are cancelled, some time out, some carry a `callback_url` to a local receiver —
/// plus SSE and WebSocket watchers that connect to recent tasks and drop mid-stream, and a chat
/// session that gets a message a second. Every `--sample-seconds` it prints each process's
/// resident memory, descriptors and threads, tasks in flight and the database's size; at the end,
/// the growth after the first sample against the bar (RSS < 5 %, descriptors < 20).
struct Soak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak", abstract: "Run a steady mixed load and watch memory and descriptors of every hangar process.")

    @Option(help: "postgres://… (serve --workers 0 plus two workers, fresh schema); default: SQLite in a temp dir.")
    var database: String?
    @Option(help: "How long to run, in minutes.") var minutes: Double = 60
    @Option(name: .customLong("sample-seconds"), help: "Seconds between samples.") var sampleSeconds: Double = 60
    @Option(help: "Tasks submitted per second.") var rate: Double = 40
    @Option(help: "Concurrent SSE/WebSocket watchers that connect and drop.") var watchers = 16
    @Option(help: "Worker concurrency of each worker process.") var workers = 16

    func run() async throws {
        raiseFileLimit()
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: .init(connectionPool: .init(idleTimeout: .seconds(60))))
        let receiver = try await CallbackReceiver.start()
        let processes = try startProcesses()
        defer { for process in processes { process.stop() } }
        let api = processes[0]
        do {
            try await api.waitUntilReady(client)
            try await drive(client: client, api: api, processes: processes, receiver: receiver)
        } catch {
            try? await client.shutdown()
            try? await receiver.channel.close()
            throw error
        }
        try await client.shutdown()
        try? await receiver.channel.close()
    }

    /// The scratch directory (SQLite) or schema (PostgreSQL) and the processes on it.
    private func startProcesses() throws -> [BenchServer] {
        let environment = ["HANGAR_ALLOW_PRIVATE_NETWORKS": "true", "HANGAR_RATE_AGENT_CREATIONS": "0"]
        // Finished tasks are deleted after two minutes, so the database reaches a steady size
        // and what grows is the process, not the data.
        let retention = ["--retention", "2m"]
        guard let database else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-soak-\(Identifier.leaseToken())").path
            return [try BenchServer(arguments: ["serve", "--data-dir", directory, "--workers", String(workers)] + retention, environment: environment)]
        }
        let separator = database.contains("?") ? "&" : "?"
        let url = "\(database)\(separator)schema=soak_\(Identifier.leaseToken().prefix(8).replacingOccurrences(of: "-", with: ""))"
        let api = try BenchServer(arguments: ["serve", "--database", url, "--workers", "0"] + retention, environment: environment)
        let first = try BenchServer(
            arguments: ["worker", "--database", url, "--workers", String(workers)] + retention, environment: environment, listens: false)
        let second = try BenchServer(
            arguments: ["worker", "--database", url, "--workers", String(workers)] + retention, environment: environment, listens: false)
        return [api, first, second]
    }

    private func drive(client: HTTPClient, api: BenchServer, processes: [BenchServer], receiver: CallbackReceiver) async throws {
        let agents = SoakAgents(
            echo: try await api.createAgent(client, name: "soak-echo", config: ["latency_ms": 20]),
            flaky: try await api.createAgent(client, name: "soak-flaky", config: ["fail_times": 1, "latency_ms": 5]),
            slow: try await api.createAgent(client, name: "soak-slow", config: ["latency_ms": 2000]))
        let counters = SoakCounters()
        let deadline = ContinuousClock.now + .seconds(minutes * 60)
        print("# hangar-bench soak — \(database == nil ? "SQLite, one serve" : "PostgreSQL, serve --workers 0 + 2 workers"), "
            + "\(rate) tasks/s, \(watchers) watchers, \(minutes) min\n")
        print("| min | submitted | completed | failed | cancelled | timed out | callbacks | in flight | "
            + processes.indices.map { "p\($0) RSS MiB | p\($0) fds | p\($0) thr" }.joined(separator: " | ") + " | db MiB |")
        print("|" + String(repeating: " --- |", count: 9 + processes.count * 3))
        var samples: [[ProcessSample]] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await submit(client: client, api: api, agents: agents, receiver: receiver, counters: counters, rate: rate, until: deadline)
            }
            for index in 0..<watchers {
                group.addTask { await watch(client: client, api: api, counters: counters, websocket: index.isMultiple(of: 2), until: deadline) }
            }
            group.addTask { try await chat(client: client, api: api, until: deadline) }
            let started = ContinuousClock.now
            // The first minute is warm-up; the bar is measured from a sample taken at its end
            // (half the run if shorter), then every `sampleSeconds`, and at the deadline.
            let baseline = min(60, minutes * 30)
            var marks = [baseline] + stride(from: sampleSeconds, to: minutes * 60, by: sampleSeconds).filter { $0 > baseline } + [minutes * 60]
            while let mark = marks.first, ContinuousClock.now < deadline {
                marks.removeFirst()
                try await Timers.sleep(until: started + .seconds(mark))
                let sample = processes.map(ProcessSample.init)
                samples.append(sample)
                let stats = (try? await api.get(client, "/api/v1/queue/stats")) ?? .null
                let byStatus = stats["tasks_by_status"]
                let inFlight = (byStatus?["queued"]?.intValue ?? 0) + (byStatus?["running"]?.intValue ?? 0)
                let row: [String] =
                    [
                        String(format: "%.1f", (ContinuousClock.now - started).seconds / 60), "\(counters.submitted.load(ordering: .relaxed))",
                        "\(byStatus?["completed"]?.intValue ?? 0)", "\(byStatus?["failed"]?.intValue ?? 0)",
                        "\(byStatus?["cancelled"]?.intValue ?? 0)", "\(byStatus?["timed_out"]?.intValue ?? 0)", "\(receiver.counter.value.load(ordering: .relaxed))",
                        "\(inFlight)",
                    ] + sample.flatMap { [String(format: "%.0f", Double($0.residentKB) / 1024), "\($0.descriptors)", "\($0.threads)"] }
                    + [String(format: "%.1f", Double(databaseBytes(api)) / 1_048_576)]
                print("| " + row.joined(separator: " | ") + " |")
                fflush(nil)
            }
            group.cancelAll()
        }
        summarize(samples)
    }

    /// One chat message a second, in sessions that end: each lives for `chatSessionMessages`
    /// messages and is then deleted, as a user's conversation ends, so a bounded server keeps
    /// no chat state beyond the sessions open now.
    private func chat(client: HTTPClient, api: BenchServer, until deadline: ContinuousClock.Instant) async throws {
        let chatSessionMessages = 180
        while ContinuousClock.now < deadline {
            let session = try await api.post(client, "/api/v1/chat/sessions", ["model": "mock/echo"])
            guard let id = session.json["id"]?.stringValue ?? session.json["session_id"]?.stringValue else {
                throw ValidationError("chat session creation failed: \(session.json)")
            }
            for _ in 0..<chatSessionMessages where ContinuousClock.now < deadline {
                _ = try? await api.post(client, "/api/v1/chat/sessions/\(id)/messages", ["message": "hello"])
                try await Timers.sleep(for: .seconds(1))
            }
            _ = try? await api.delete(client, "/api/v1/chat/sessions/\(id)")
        }
    }

    /// Growth from the first sample after the first minute to the last, per process, against
    /// the bar.
    private func summarize(_ samples: [[ProcessSample]]) {
        guard let first = samples.first, let last = samples.last, samples.count >= 2 else {
            print("\n(too short for a summary: run at least two samples)")
            return
        }
        print("\n| process | RSS first → last | growth | descriptors first → last | growth | verdict |")
        print("| --- | --- | --- | --- | --- | --- |")
        for (index, (a, b)) in zip(first, last).enumerated() {
            let growth = Double(b.residentKB - a.residentKB) / Double(max(a.residentKB, 1)) * 100
            let descriptors = b.descriptors - a.descriptors
            let verdict = growth < 5 && descriptors < 20 ? "flat" : "GROWS"
            print(
                "| p\(index) \(a.role) | \(mb(a.residentKB)) → \(mb(b.residentKB)) | \(String(format: "%+.1f %%", growth)) | "
                    + "\(a.descriptors) → \(b.descriptors) | \(descriptors >= 0 ? "+" : "")\(descriptors) | \(verdict) |")
        }
    }

    /// SQLite: the database and its WAL; PostgreSQL: the whole database, via `psql` if present.
    private func databaseBytes(_ api: BenchServer) -> Int {
        if let database {
            let psql = ["/usr/bin/psql"] + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).map {
                "/usr/lib/postgresql/\($0)/bin/psql"
            }
            guard let binary = psql.first(where: FileManager.default.isExecutableFile(atPath:)) else { return 0 }
            let process = Process()
            let output = Pipe()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = [database, "-Atc", "SELECT pg_database_size(current_database())"]
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return 0 }
            process.waitUntilExit()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        guard let directory = api.dataDirectory, let files = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
        return files.filter { $0.hasPrefix("hangar.sqlite") }.reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)")[.size] as? Int) ?? 0)
        }
    }
}

struct SoakAgents: Sendable {
    var echo: String
    var flaky: String
    var slow: String
}

final class SoakCounters: Sendable {
    let submitted = Atomic<Int>(0)
    let recent = Mutex<[String]>([])

    func remember(_ id: String) {
        recent.withLock { ids in
            ids.append(id)
            if ids.count > 256 { ids.removeFirst(ids.count - 256) }
        }
    }

    func pick() -> String? { recent.withLock { $0.randomElement() } }
}

/// One process's resident memory, open descriptors and threads, from /proc.
struct ProcessSample {
    var role: String
    var residentKB: Int
    var descriptors: Int
    var threads: Int

    init(_ server: BenchServer) {
        let pid = server.process.processIdentifier
        role = server.process.arguments?.first ?? "?"
        residentKB = server.residentKB()
        descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
        threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count) ?? -1
    }
}

/// The mix: 70 % complete, 10 % fail once and are retried, 10 % are cancelled while running,
/// 5 % time out, 5 % deliver a callback to the local receiver.
private func submit(
    client: HTTPClient, api: BenchServer, agents: SoakAgents, receiver: CallbackReceiver, counters: SoakCounters, rate: Double,
    until deadline: ContinuousClock.Instant
) async throws {
    let interval = Duration.seconds(1 / max(0.1, rate))
    var next = ContinuousClock.now
    var index = 0
    try await withThrowingDiscardingTaskGroup { group in
        while ContinuousClock.now < deadline {
            index += 1
            let kind = index % 20
            group.addTask {
                var body: [String: JSONValue] = ["agent_id": .string(agents.echo), "input": ["prompt": "soak"]]
                switch kind {
                case 0, 1: body["agent_id"] = .string(agents.flaky)
                case 2, 3: body["agent_id"] = .string(agents.slow)
                case 4:
                    body["agent_id"] = .string(agents.slow)
                    body["timeout"] = 0.3
                case 5: body["callback_url"] = .string("http://127.0.0.1:\(receiver.port)/cb")
                default: break
                }
                let reply = try? await api.post(client, "/api/v1/tasks", .object(body))
                guard let id = reply?.json["id"]?.stringValue else { return }
                counters.submitted.add(1, ordering: .relaxed)
                counters.remember(id)
                if kind == 2 || kind == 3 {
                    try? await Timers.sleep(for: .milliseconds(300))
                    _ = try? await api.delete(client, "/api/v1/tasks/\(id)")
                }
            }
            next += interval
            let wait = next - ContinuousClock.now
            if wait > .zero { try await Timers.sleep(for: wait) }
        }
    }
}

/// Connects to a recent task's events (SSE or WebSocket), reads a little, and drops: half the
/// time mid-stream without a goodbye, half the time cleanly.
private func watch(client: HTTPClient, api: BenchServer, counters: SoakCounters, websocket: Bool, until deadline: ContinuousClock.Instant) async {
    var round = 0
    while ContinuousClock.now < deadline, !Task.isCancelled {
        round += 1
        guard let id = counters.pick() else {
            try? await Timers.sleep(for: .milliseconds(100))
            continue
        }
        if websocket {
            var logger = Logger(label: "soak.ws")
            logger.logLevel = .critical
            let clean = round.isMultiple(of: 2)
            _ = try? await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(api.port)/ws/tasks/\(id)?token=\(BenchServer.key)", logger: logger
            ) { inbound, _, _ in
                var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                _ = try await iterator.next()
                // Returning closes with a close frame; throwing drops the connection mid-stream.
                if !clean { throw CancellationError() }
            }
        } else {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(api.port)/api/v1/tasks/\(id)/events")
            request.headers.add(name: "Authorization", value: "Bearer \(BenchServer.key)")
            request.headers.add(name: "Accept", value: "text/event-stream")
            if let response = try? await client.execute(request, timeout: .seconds(10)) {
                var chunks = 0
                do {
                    for try await _ in response.body {
                        chunks += 1
                        if chunks >= (round.isMultiple(of: 2) ? 1 : 3) { break }
                    }
                } catch {}
            }
        }
        try? await Timers.sleep(for: .milliseconds(50))
    }
}

/// Counts the callbacks Hangar delivers; answers 200 to every request.
final class CallbackReceiver: Sendable {
    let channel: any Channel
    let port: Int
    let counter: CallbackCounter

    private init(channel: any Channel, port: Int, counter: CallbackCounter) {
        self.channel = channel
        self.port = port
        self.counter = counter
    }

    static func start() async throws -> CallbackReceiver {
        let counter = CallbackCounter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(Answer200(counter: counter)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return CallbackReceiver(channel: channel, port: channel.localAddress?.port ?? 0, counter: counter)
    }
}

/// Shared by the receiver and each connection's handler (an `Atomic` alone cannot be shared).
final class CallbackCounter: Sendable {
    let value = Atomic<Int>(0)
}

private final class Answer200: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let counter: CallbackCounter

    init(counter: CallbackCounter) { self.counter = counter }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        counter.value.add(1, ordering: .relaxed)
        var headers = HTTPHeaders()
        headers.add(name: "content-length", value: "0")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
