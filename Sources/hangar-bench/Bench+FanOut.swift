import ArgumentParser
import AsyncHTTPClient
import Foundation
import HangarCore
import HangarTimers
import HummingbirdWSClient
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// The fan-out phase: `watchers` WebSocket clients on `/ws/tasks/{id}`, spread over
/// `watchTasks` mock tasks that stream tokens for `watchSeconds`. Each message carries the
/// event's commit time (`timestamp`, milliseconds); the watcher notes when it arrived. Client
/// and server share the machine's clock, so the difference is the fan-out latency: store
/// notification, read, encode, send, receive.
extension Throughput {
    func fanOut(client: HTTPClient, backend: [String]) async throws {
        raiseFileLimit()
        let server = try BenchServer(
            arguments: ["serve"] + backend + ["--workers", String(watchTasks + 8)],
            environment: ["HANGAR_WS_MAX_PER_USER": String(watchers + 10), "HANGAR_WS_MAX_TOTAL": String(watchers + 10)])
        defer { server.stop() }
        try await server.waitUntilReady(client)
        let agent = try await server.createAgent(client, name: "streamer-\(Identifier.leaseToken().prefix(6))", config: [:])
        let idleRSS = server.residentKB()
        // ~10 words a second per task, coalesced by the executor into token events.
        let words = max(1, watchSeconds * 10)
        let reply = (0..<words).map { "w\($0)" }.joined(separator: " ")
        var taskIDs: [String] = []
        for _ in 0..<watchTasks {
            let created = try await server.post(
                client, "/api/v1/tasks",
                ["agent_id": .string(agent), "input": ["prompt": "x", "stream": true, "latency_ms": .int(Int64(watchSeconds * 1000)), "replies": [.string(reply)]]])
            guard let id = created.json["id"]?.stringValue else { throw ValidationError("submit failed: \(created.json)") }
            taskIDs.append(id)
        }
        let results = FanOutResults()
        let connected = FanOutResults()
        var logger = Logger(label: "bench.ws")
        logger.logLevel = .critical
        let started = ContinuousClock.now
        let port = server.port
        let watcherCount = watchers
        let peakRSS = PeakSampler()
        let sampler = Task {
            while !Task.isCancelled {
                await peakRSS.note(server.residentKB())
                try? await Timers.sleep(for: .milliseconds(200))
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<watcherCount {
                let taskID = taskIDs[index % taskIDs.count]
                let clientLogger = logger
                group.addTask {
                    let url = "ws://127.0.0.1:\(port)/ws/tasks/\(taskID)?token=\(BenchServer.key)"
                    _ = try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 20), logger: clientLogger) { inbound, _, _ in
                        await connected.count()
                        var latencies: [Double] = []
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            let now = Date()
                            guard case .text(let text) = message, let json = try? JSONText.decode(text), json["type"] == "task_token",
                                let stamp = json["data"]?["timestamp"]?.stringValue, let sent = Timestamp.parse(stamp)
                            else { continue }
                            latencies.append(now.timeIntervalSince(sent) * 1000)
                        }
                        await results.add(latencies)
                    }
                }
            }
            try await group.waitForAll()
        }
        sampler.cancel()
        let elapsed = (ContinuousClock.now - started).seconds
        let latencies = await results.latencies
        let held = await connected.connections
        print("## WebSocket fan-out: \(watcherCount) watchers on \(watchTasks) streaming tasks (\(watchSeconds) s each)\n")
        print("| measure | value |")
        print("| --- | --- |")
        print("| watchers connected and held to the end | \(held) of \(watcherCount) |")
        print("| token messages delivered | \(latencies.count) (\(rate(latencies.count, elapsed))/s) |")
        print("| event commit → watcher latency p50 / p99 / max | \(ms(percentile(latencies, 0.5))) / \(ms(percentile(latencies, 0.99))) / \(ms(latencies.max() ?? .nan)) |")
        print("| server RSS idle → peak during the run | \(mb(idleRSS)) → \(mb(await peakRSS.peak)) |")
        print("")
    }
}

/// Each watcher holds a socket in this process and one in the server: raise the soft limit.
func raiseFileLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

private actor FanOutResults {
    var latencies: [Double] = []
    var connections = 0
    func add(_ values: [Double]) { latencies += values }
    func count() { connections += 1 }
}

private actor PeakSampler {
    var peak = 0
    func note(_ value: Int) { peak = max(peak, value) }
}
