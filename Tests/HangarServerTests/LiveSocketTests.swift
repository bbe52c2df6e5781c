import Foundation
import HangarAuth
import HangarCore
import HangarServer
import HangarStore
import HangarTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import HummingbirdWSTesting
import NIOCore
import NIOWebSocket
import Testing

/// The live endpoints with a real WebSocket client against a real socket.
// A time limit turns a hang (a lost close handshake) into a failure instead of a stuck run.
@Suite("Live: /ws/tasks and /ws/logs", .serialized, .timeLimit(.minutes(1)))
struct LiveSocketTests {
    struct Live: Sendable {
        let client: any TestClientProtocol
        let store: any HangarStore
        /// Keys: `acme` (two callers) and `globex`.
        let acme: String
        let acme2: String
        let globex: String
    }

    /// A live server with authentication on, workers running the mock model, and keys of two tenants.
    static func withLive(
        limits: WebSocketLimits = WebSocketLimits(), workers: Bool = true, _ body: @escaping @Sendable (Live) async throws -> Void
    ) async throws {
        try await withTestStore(.sqlite) { store, _ in
            func key(_ tenant: String) async throws -> String {
                try await store.tenantUpsert(id: tenant, name: tenant)
                let (id, secret, token) = APIKeyToken.generate()
                try await store.apiKeyInsert(APIKey(id: id, tenantID: tenant, name: "k", role: .operator, secretHash: APIKeyToken.hash(secret), createdAt: Date()))
                return token
            }
            let (acme, acme2, globex) = (try await key("acme"), try await key("acme"), try await key("globex"))
            let authenticator = try await Authenticator(store: store, cacheTTL: 0)
            let configuration = ServerConfiguration(sseKeepAlive: .milliseconds(200), webSockets: limits)
            let app = Application(
                router: buildRouter(store: store, registry: .standard, configuration: configuration, authenticator: authenticator, vault: .testing),
                // The server `hangar serve` runs: WebSockets behind the connection limits' guard.
                server: .hangar(
                    webSocketRouter: buildWebSocketRouter(store: store, authenticator: authenticator, speech: nil, configuration: configuration),
                    limits: configuration.connections),
                configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            let harness = workers ? PoolHarness(store: store, configuration: .testing()) : nil
            do {
                try await app.test(.live) { client in try await body(Live(client: client, store: store, acme: acme, acme2: acme2, globex: globex)) }
            } catch {
                try? await harness?.stop()
                throw error
            }
            try await harness?.stop()
        }
    }

    static func agent(_ store: any HangarStore, tenant: String, name: String = "echo", config: JSONValue = .emptyObject) async throws -> Agent {
        try await store.makeAgent(name: name, tenantID: tenant, config: config)
    }

    static func texts(_ messages: [WebSocketMessage]) -> [JSONValue] {
        messages.compactMap { message in
            if case .text(let text) = message { return try? JSONText.decode(text) }
            return nil
        }
    }

    @Test("A task's live view: status, tokens and task_complete in seed 004's shapes, then a normal close")
    func taskView() async throws {
        try await Self.withLive { live in
            let agent = try await Self.agent(live.store, tenant: "acme")
            let task = try await live.store.submit(agent, input: ["type": "generate", "prompt": "one two three four", "stream": true, "latency_ms": 200])
            let received = MessageLog()
            let close = try await live.client.ws("/ws/tasks/\(task.id)?token=\(live.acme)") { inbound, _, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) { await received.add(message) }
            }
            #expect(close?.closeCode == .normalClosure)
            let messages = Self.texts(await received.messages)
            let types = messages.compactMap { $0["type"]?.stringValue }
            #expect(types.first == "task_status" && types.last == "task_complete")
            #expect(types.contains("task_token") && types.contains("task_step"))
            let statuses = messages.filter { $0["type"] == "task_status" }.compactMap { $0["data"]?["status"]?.stringValue }
            #expect(statuses == ["queued", "running", "completed"])
            let complete = try #require(messages.last)
            #expect(complete["data"]?["output"]?["response"] == "one two three four" && complete["data"]?["task_id"] == .string(task.id))
            let seqs = messages.compactMap { $0["seq"]?.intValue }
            #expect(seqs == seqs.sorted() && Set(seqs).count == Set(seqs).count)
        }
    }

    @Test("Credentials and tenancy: no token or a bad one closes with 1008; another tenant's task with 4404")
    func credentials() async throws {
        try await Self.withLive(workers: false) { live in
            let task = try await live.store.submit(try await Self.agent(live.store, tenant: "acme"))
            for (query, code) in [("", WebSocketErrorCode.policyViolation), ("?token=hgr_bad", .policyViolation), ("?token=\(live.globex)", .unknown(4404))] {
                let close = try await live.client.ws("/ws/tasks/\(task.id)\(query)") { inbound, _, _ in
                    for try await _ in inbound.messages(maxSize: 1 << 20) {}
                }
                #expect(close?.closeCode == code, "\(query)")
            }
            let logs = try await live.client.ws("/ws/logs?token=nope") { inbound, _, _ in for try await _ in inbound.messages(maxSize: 1 << 20) {} }
            #expect(logs?.closeCode == .policyViolation)

            // The same failure reads the same on HTTP and on a WebSocket, and says which check failed.
            for query in ["", "?token=hgr_bad_credential"] {
                let close = try await live.client.ws("/ws/tasks/\(task.id)\(query)") { inbound, _, _ in
                    for try await _ in inbound.messages(maxSize: 1 << 20) {}
                }
                let http = try await live.client.execute(uri: "/api/v1/tasks/\(task.id)\(query)", method: .get)
                #expect(http.status == .unauthorized)
                let detail = try JSONText.decode(String(buffer: http.body))["detail"]?.stringValue
                #expect(detail != nil && close?.reason == detail, "\(query): HTTP '\(detail ?? "")' vs WebSocket '\(close?.reason ?? "")'")
            }
            #expect(AuthFailure.missingCredential.message.utf8.count <= 123, "a close reason fits in a control frame")
        }
    }

    @Test("Heartbeat: ping gets pong with a timestamp; a connection without pings is closed after the idle timeout")
    func heartbeat() async throws {
        try await Self.withLive(limits: WebSocketLimits(idleTimeout: .seconds(1)), workers: false) { live in
            let task = try await live.store.submit(try await Self.agent(live.store, tenant: "acme"))
            let received = MessageLog()
            let started = ContinuousClock.now
            let close = try await live.client.ws("/ws/tasks/\(task.id)?token=\(live.acme)") { inbound, outbound, _ in
                // Pinging keeps it open past the timeout…
                for _ in 0..<4 {
                    try await outbound.write(.text(#"{"type":"ping"}"#))
                    try await Task.sleep(for: .milliseconds(300))
                }
                // …then silence closes it.
                for try await message in inbound.messages(maxSize: 1 << 20) { await received.add(message) }
            }
            let elapsed = ContinuousClock.now - started
            #expect(close?.closeCode == .goingAway && close?.reason?.contains("no ping") == true)
            #expect(elapsed >= .milliseconds(1850) && elapsed < .seconds(6), "\(elapsed)")  // last ping at ~0.9 s + 1 s idle
            let pongs = Self.texts(await received.messages).filter { $0["type"] == "pong" }
            #expect(pongs.count == 4 && pongs.allSatisfy { $0["timestamp"]?.stringValue.flatMap(Timestamp.parse) != nil })
        }
    }

    @Test("Limits: per user and in all (1013 beyond them, freed on disconnect); 100 messages a minute per connection")
    func limits() async throws {
        try await Self.withLive(limits: WebSocketLimits(perUser: 2, total: 3, messagesPerMinute: 3), workers: false) { live in
            let task = try await live.store.submit(try await Self.agent(live.store, tenant: "acme"))
            let gtask = try await live.store.submit(try await Self.agent(live.store, tenant: "globex"))
            let release = Gate()
            let opened = Counter()
            // Hold two connections of the first caller open.
            let holders = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<2 {
                        group.addTask {
                            _ = try await live.client.ws("/ws/tasks/\(task.id)?token=\(live.acme)") { inbound, outbound, _ in
                                try await outbound.write(.text(#"{"type":"ping"}"#))
                                for try await message in inbound.messages(maxSize: 1 << 20) {
                                    if case .text(let text) = message, text.contains("pong") { break }
                                }
                                await opened.increment()
                                await release.wait()
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            while await opened.value < 2 { try await Task.sleep(for: .milliseconds(20)) }
            func attempt(_ token: String, _ id: String) async throws -> WebSocketCloseFrame? {
                try await live.client.ws("/ws/tasks/\(id)?token=\(token)") { inbound, outbound, _ in
                    try await outbound.write(.text(#"{"type":"ping"}"#))
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message, text.contains("pong") { break }
                    }
                }
            }
            let third = try await attempt(live.acme, task.id)
            #expect(third?.closeCode == .unknown(1013) && third?.reason?.contains("per-user limit") == true)
            // Another key of the same tenant is another caller; the third connection in all is fine…
            let other = try await attempt(live.acme2, task.id)
            #expect(other?.closeCode != .unknown(1013))
            // …but a fourth at once is not. Hold one more to reach the total.
            let holdThird = Task {
                try await live.client.ws("/ws/tasks/\(gtask.id)?token=\(live.globex)") { inbound, outbound, _ in
                    // Admitted once the server answers: then the third connection counts.
                    try await outbound.write(.text(#"{"type":"ping"}"#))
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message, text.contains("pong") { break }
                    }
                    await opened.increment()
                    await release.wait()
                }
            }
            while await opened.value < 3 { try await Task.sleep(for: .milliseconds(20)) }
            let fourth = try await attempt(live.acme2, task.id)
            #expect(fourth?.closeCode == .unknown(1013) && fourth?.reason?.contains("server has 3") == true)
            await release.open()
            _ = try await holders.value
            _ = try await holdThird.value
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await attempt(live.acme, task.id)?.closeCode != .unknown(1013))

            // The message rate: 3 a minute here; the 4th and 5th get an error with retry_after.
            let received = MessageLog()
            _ = try await live.client.ws("/ws/tasks/\(task.id)?token=\(live.acme)") { inbound, outbound, _ in
                for _ in 0..<5 { try await outbound.write(.text(#"{"type":"ping"}"#)) }
                var answers = 0
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    // The task's own events (its queued status) may come in between.
                    guard case .text(let text) = message, text.contains("pong") || text.contains("\"error\"") else { continue }
                    await received.add(message)
                    answers += 1
                    if answers == 5 { break }
                }
            }
            let answers = Self.texts(await received.messages)
            #expect(answers.filter { $0["type"] == "pong" }.count == 3)
            let errors = answers.filter { $0["type"] == "error" }
            #expect(errors.count == 2 && errors.allSatisfy { ($0["retry_after"]?.intValue ?? 0) >= 1 && $0["message"]?.stringValue?.contains("Rate limit") == true })
        }
    }

    @Test("Reconnecting with ?after=SEQ under load: thousands of events, many reconnections, a gapless sequence received once")
    func resumeUnderLoad() async throws {
        try await Self.withLive(workers: false) { live in
            let task = try await live.store.submit(try await Self.agent(live.store, tenant: "acme"))
            let total = 3000
            // The writer: log events in small batches while the client keeps dropping and reconnecting.
            let writer = Task {
                var written = 0
                while written < total {
                    let batch = min(Int.random(in: 1...25), total - written)
                    _ = try await live.store.eventAppend(
                        EventAppendParams(
                            taskID: task.id, leaseToken: nil,
                            events: (0..<batch).map { NewTaskEvent(type: "log", data: ["level": "info", "message": .string("line \(written + $0)")]) }))
                    written += batch
                    if Int.random(in: 0..<4) == 0 { await Task.yield() }
                }
                _ = try await live.store.taskCancel(tenantID: "acme", id: task.id, reason: "done")
            }
            let seen = SeqLog()
            var reconnects = 0
            while true {
                let after = await seen.last
                let quota = Int.random(in: 50...400)
                // Leaving mid-stream may end in a reset rather than a close handshake: either way
                // the client reconnects from the last seq it saw.
                let close = try? await live.client.ws("/ws/tasks/\(task.id)?token=\(live.acme)&after=\(after)") { inbound, _, _ in
                    var taken = 0
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message, let json = try? JSONText.decode(text), let seq = json["seq"]?.intValue else { continue }
                        if json["type"] == "task_complete" { await seen.complete() } else { await seen.add(Int64(seq)) }
                        taken += 1
                        if taken >= quota { return }  // leave mid-stream
                    }
                }
                if await seen.completed {
                    #expect(close?.closeCode == .normalClosure)
                    break
                }
                reconnects += 1
            }
            try await writer.value
            let seqs = await seen.seqs
            let expected = try await live.store.eventList(taskID: task.id, afterSeq: 0, limit: 100_000).map(\.seq)
            #expect(expected.count == total + 2)  // queued, the logs, cancelled
            let gapless = seqs == expected
            #expect(gapless, "received \(seqs.count) of \(expected.count); first difference at \(zip(seqs, expected).first { $0 != $1 }.map { "\($0)" } ?? "the end")")
            #expect(reconnects >= 5)
        }
    }

    @Test("/ws/logs: the tenant's logs live, filtered by agent and minimum level, filters changed on the fly")
    func logs() async throws {
        try await Self.withLive(workers: false) { live in
            let alpha = try await Self.agent(live.store, tenant: "acme", name: "alpha")
            let beta = try await Self.agent(live.store, tenant: "acme", name: "beta")
            let other = try await Self.agent(live.store, tenant: "globex", name: "alpha")
            let (a, b, g) = (try await live.store.submit(alpha), try await live.store.submit(beta), try await live.store.submit(other))
            @Sendable func log(_ task: TaskRecord, _ level: String, _ message: String) async throws {
                _ = try await live.store.eventAppend(
                    EventAppendParams(taskID: task.id, leaseToken: nil, events: [NewTaskEvent(type: "log", data: ["level": .string(level), "message": .string(message)])]))
            }
            let received = MessageLog()
            _ = try await live.client.ws("/ws/logs?token=\(live.acme)&agent_id=\(alpha.id)&level=warning") { inbound, outbound, _ in
                var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                _ = try await iterator.next()  // connected
                try await log(a, "info", "alpha info")
                try await log(a, "error", "alpha error")
                try await log(b, "error", "beta error")
                try await log(g, "error", "other tenant")
                try await log(a, "warning", "alpha warning")
                for _ in 0..<2 { if let message = try await iterator.next() { await received.add(message) } }
                try await outbound.write(.text(JSONText.encode(["type": "update_filters", "agent_id": .string(beta.id)])))
                if let message = try await iterator.next() { await received.add(message) }  // filters_updated
                try await log(a, "error", "alpha again")
                try await log(b, "debug", "beta debug")
                if let message = try await iterator.next() { await received.add(message) }
            }
            let messages = Self.texts(await received.messages)
            #expect(messages.map { $0["data"]?["message"]?.stringValue ?? $0["type"]?.stringValue ?? "" } == ["alpha error", "alpha warning", "filters_updated", "beta debug"])
            #expect(messages[0]["type"] == "log_entry" && messages[0]["data"]?["agent_id"] == .string(alpha.id) && messages[0]["data"]?["level"] == "error")
        }
    }

    @Test("/ws/logs: a client that stops reading is disconnected once its buffer is full, not buffered without bound")
    func slowClient() async throws {
        try await Self.withLive(limits: WebSocketLimits(sendBuffer: 8), workers: false) { live in
            let task = try await live.store.submit(try await Self.agent(live.store, tenant: "acme"))
            let big = String(repeating: "x", count: 64 * 1024)
            let received = Counter()
            let close = try await live.client.ws("/ws/logs?token=\(live.acme)") { inbound, _, _ in
                var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                _ = try await iterator.next()  // connected
                // Flood while not reading: socket buffers fill, then the per-connection buffer.
                for index in 0..<400 {
                    _ = try await live.store.eventAppend(
                        EventAppendParams(taskID: task.id, leaseToken: nil, events: [NewTaskEvent(type: "log", data: ["message": .string("\(index) \(big)")])]))
                }
                try await Task.sleep(for: .seconds(1))
                while try await iterator.next() != nil { await received.increment() }
            }
            // The close frame queues behind the backlog the client never read, so the client may
            // see only the connection end; either way it did not get everything.
            let count = await received.value
            #expect(count < 400, "the server kept \(count) messages for a client that did not read")
            #expect(close == nil || (close?.closeCode == .policyViolation && close?.reason?.contains("client too slow") == true))
        }
    }

    @Test("Logs over HTTP: SSE for one task resuming from Last-Event-ID, and a history search")
    func httpLogs() async throws {
        try await Self.withLive(workers: false) { live in
            let agent = try await Self.agent(live.store, tenant: "acme")
            let task = try await live.store.submit(agent)
            _ = try await live.store.eventAppend(
                EventAppendParams(
                    taskID: task.id, leaseToken: nil,
                    events: [
                        NewTaskEvent(type: "log", data: ["level": "info", "message": "fetching page"]),
                        NewTaskEvent(type: "log", data: ["level": "error", "message": "Page FAILED to load"]),
                        NewTaskEvent(type: "log", data: ["level": "warning", "message": "retrying 100%_done"]),
                    ]))
            _ = try await live.store.taskCancel(tenantID: "acme", id: task.id, reason: "stop")
            let auth: HTTPFields = [.authorization: "Bearer \(live.acme)"]
            let stream = try await live.client.execute(uri: "/api/v1/logs/stream/\(task.id)", method: .get, headers: auth)
            let text = String(buffer: stream.body)
            #expect(text.components(separatedBy: "event: log_entry").count - 1 == 3 && text.contains("event: end"))
            var resumeHeaders = auth
            resumeHeaders[HTTPField.Name("Last-Event-ID")!] = "3"
            let resumed = String(buffer: try await live.client.execute(uri: "/api/v1/logs/stream/\(task.id)", method: .get, headers: resumeHeaders).body)
            #expect(resumed.components(separatedBy: "event: log_entry").count - 1 == 1 && resumed.contains("100%_done"))

            func history(_ query: String) async throws -> [String] {
                let response = try await live.client.execute(uri: "/api/v1/logs/history?\(query)", method: .get, headers: auth)
                let json = try JSONText.decode(String(buffer: response.body))
                return json["logs"]?.arrayValue?.compactMap { $0["message"]?.stringValue } ?? []
            }
            #expect(try await history("agent_id=\(agent.id)") == ["retrying 100%_done", "Page FAILED to load", "fetching page"])
            #expect(try await history("level=warning") == ["retrying 100%_done", "Page FAILED to load"])
            #expect(try await history("search=failed") == ["Page FAILED to load"])
            #expect(try await history("search=100%25_") == ["retrying 100%_done"])  // wildcards are literal
            #expect(try await history("limit=1").count == 1)
            let other = try await live.client.execute(
                uri: "/api/v1/logs/history", method: .get, headers: [.authorization: "Bearer \(live.globex)"])
            #expect(try JSONText.decode(String(buffer: other.body))["count"] == 0)
            let bad = try await live.client.execute(uri: "/api/v1/logs/history?level=loud", method: .get, headers: auth)
            #expect(bad.status == .unprocessableContent)

            // Seed 004's `GET /api/v1/logs/{task_id}`: the task's entries, the same filters; another tenant's task is a 404.
            let ofTask = try await live.client.execute(uri: "/api/v1/logs/\(task.id)?level=warning", method: .get, headers: auth)
            let messages = try JSONText.decode(String(buffer: ofTask.body))["logs"]?.arrayValue?.compactMap { $0["message"]?.stringValue }
            #expect(ofTask.status == .ok && messages == ["retrying 100%_done", "Page FAILED to load"], "\(String(buffer: ofTask.body))")
            let hidden = try await live.client.execute(uri: "/api/v1/logs/\(task.id)", method: .get, headers: [.authorization: "Bearer \(live.globex)"])
            #expect(hidden.status == .notFound)
            // The constant path still wins over the parameter.
            #expect(try await live.client.execute(uri: "/api/v1/logs/history", method: .get, headers: auth).status == .ok)
        }
    }
}

actor MessageLog {
    private(set) var messages: [WebSocketMessage] = []
    func add(_ message: WebSocketMessage) { messages.append(message) }
}

actor SeqLog {
    private(set) var seqs: [Int64] = []
    private(set) var completed = false
    func complete() { completed = true }
    var last: Int64 { seqs.last ?? 0 }
    func add(_ seq: Int64) { seqs.append(seq) }
}

actor Counter {
    private(set) var value = 0
    func increment() { value += 1 }
}

/// Tasks wait until it opens.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}
