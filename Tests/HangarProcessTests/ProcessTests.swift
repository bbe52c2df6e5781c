import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import NIOHTTP1
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Whole processes: the binary users run, killed the way machines die.
@Suite("Processes", .serialized)
struct ProcessTests {
    @Test("end to end on SQLite: serve, submit over HTTP, read results; restart and everything is still there")
    func restart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-e2e-\(Identifier.leaseToken())").path
        let port = try freePort()
        var server = try HangarProcess(["serve", "--data-dir", dir, "--workers", "4"], port: port)
        try await server.waitUntilReady()
        let base = server.baseURL
        #expect(try await HTTP.send(.POST, base + "/api/v1/agents", json: ["name": "echo", "model": "mock/echo"]).status == 201)
        var ids: [String] = []
        for index in 0..<20 {
            let reply = try await HTTP.send(.POST, base + "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": .string("p\(index)")]])
            #expect(reply.status == 201)
            ids.append(try #require(reply.json["id"]?.stringValue))
        }
        #expect(await eventually(timeout: .seconds(20)) {
            let done = try? await HTTP.send(.GET, base + "/api/v1/tasks?status=completed&limit=100")
            return done?.json.arrayValue?.count == 20
        })
        server.kill(SIGTERM)
        #expect(server.process.terminationStatus == 0, "graceful exit:\n\(server.output)")

        server = try HangarProcess(["serve", "--data-dir", dir, "--workers", "4"], port: port)
        try await server.waitUntilReady()
        for (index, id) in ids.enumerated() {
            let task = try await HTTP.send(.GET, base + "/api/v1/tasks/\(id)")
            #expect(task.json["status"] == "completed")
            #expect(task.json["output"]?["response"] == .string("p\(index)"))
        }
        #expect(try await HTTP.send(.GET, base + "/api/v1/agents/echo").status == 200)
        server.stop()
    }

    @Test("first start with stdout in a file: the generated admin key is there at once, and works; the log names the key file")
    func firstStartKey() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-first-\(Identifier.leaseToken())").path
        let port = try freePort()
        // No HANGAR_ADMIN_KEY (empty = unset): the server generates one, as on a new machine.
        let server = try HangarProcess(["serve", "--data-dir", dir, "--workers", "0"], port: port, environment: ["HANGAR_ADMIN_KEY": "", "HANGAR_LOG_LEVEL": "info"])
        try await server.waitUntilReady()
        let printed = server.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("hgr_") }
        let key = try #require(printed, "the key was not in the redirected stdout while the server runs:\n\(server.output)")
        #expect(try String(contentsOfFile: dir + "/admin.key", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == key)
        #expect(server.output.contains("key_file=\(dir)/admin.key"), "the log should name the key file:\n\(server.output)")
        let agents = try await HTTP.send(.GET, server.baseURL + "/api/v1/agents", key: key)
        #expect(agents.status == 200)
        server.stop()
    }

    @Test("start-up mistakes end the process at once with one line naming the setting: a port out of range or taken, an unknown database scheme")
    func startupMistakes() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-mistakes-\(Identifier.leaseToken())").path
        func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
            let process = try HangarProcess(arguments, environment: environment)
            #expect(await eventually(timeout: .seconds(20)) { !process.process.isRunning }, "still running: \(arguments)")
            if process.process.isRunning { process.kill() }
            return (process.process.terminationStatus, process.output)
        }
        let range = try await run(["serve", "--data-dir", dir, "--port", "99999"])
        #expect(range.status != 0 && range.output.contains("--port must be a TCP port") && !range.output.contains("Usage:"), "\(range.output)")
        let fromEnvironment = try await run(["serve", "--data-dir", dir], environment: ["HANGAR_PORT": "65536"])
        #expect(fromEnvironment.status != 0 && fromEnvironment.output.contains("HANGAR_PORT must be"), "\(fromEnvironment.output)")
        // Every HANGAR_* value is checked before anything starts, naming the variable.
        for (name, value, says) in [
            ("HANGAR_LOG_LEVEL", "loud", "HANGAR_LOG_LEVEL must be trace, debug"), ("HANGAR_LOG_FORMAT", "xml", "HANGAR_LOG_FORMAT must be text or json"),
            ("HANGAR_RETENTION", "forever", "HANGAR_RETENTION must be a duration"), ("HANGAR_WORKERS", "many", "HANGAR_WORKERS must be an integer"),
        ] {
            let refused = try await run(["serve", "--data-dir", dir, "--port", "0"], environment: [name: value])
            #expect(refused.status != 0 && refused.output.contains(says), "\(name)=\(value): \(refused.output)")
        }
        let badHost = try await run(["serve", "--data-dir", dir, "--workers", "0", "--port", "0"], environment: ["HANGAR_HOST": "999.1.1.1"])
        #expect(badHost.output.contains("'999.1.1.1' is not an address or host name of this machine (--host / HANGAR_HOST)"), "\(badHost.output)")
        #expect(!badHost.output.contains("SocketAddressError"), "\(badHost.output)")
        let scheme = try await run(["migrate", "--database", "mysql://x"])
        #expect(scheme.status != 0 && scheme.output.contains("'mysql://' is not a database Hangar supports"), "\(scheme.output)")

        // A port another process listens on: the address and the flags that change it.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, length) == 0 && getsockname(holder, $0, &length) == 0 }
        }
        #expect(bound && listen(holder, 1) == 0)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let taken = try await run(["serve", "--data-dir", dir, "--workers", "0", "--port", String(port)])
        #expect(taken.status != 0 && taken.output.contains("cannot listen on 127.0.0.1:\(port): it is in use"), "\(taken.output)")
        #expect(taken.output.contains("--port"))
    }

    @Test("PostgreSQL start-up: no PostgresNIO warning that the client was used before it ran (issue 24)")
    func postgresStartOrder() async throws {
        for _ in 0..<3 {
            let database = try TestDatabase.make(.postgres)  // a fresh schema each time
            let process = try HangarProcess(["migrate", "--database", database.url], environment: ["HANGAR_LOG_LEVEL": "info"])
            // `terminationStatus` of a running process is a fatal error: stop the test first.
            try #require(await eventually(timeout: .seconds(60)) { !process.process.isRunning }, "\(process.output)")
            #expect(process.process.terminationStatus == 0, "\(process.output)")
            #expect(!process.output.contains("hasn't been called yet"), "\(process.output)")
        }
    }

    @Test("a PostgreSQL server that is not there: /ready says why while start-up retries, serving begins when it answers, a bounded wait ends in one line")
    func databaseWait() async throws {
        let database = try TestDatabase.make(.postgres)
        guard var components = URLComponents(string: database.url), let realPort = components.port else { throw ProcessTestError("bad test URL") }
        let realHost = components.host ?? "127.0.0.1"
        let spare = try freePort()
        components.port = spare
        let notYet = try #require(components.string)

        // Waiting: the port answers at once; /ready is 503 and names where and why.
        let port = try freePort()
        let server = try HangarProcess(
            ["serve", "--database", notYet, "--workers", "0"], port: port, environment: ["HANGAR_DATABASE_WAIT": "60s"])
        var detail = ""
        #expect(
            await eventually(timeout: .seconds(15)) {
                guard let reply = try? await HTTP.send(.GET, server.baseURL + "/api/v1/ready"), reply.status == 503 else { return false }
                detail = reply.json["detail"]?.stringValue ?? ""
                return true
            }, "\(server.output)")
        #expect(detail.contains("127.0.0.1:\(spare)") && detail.contains("connection refused") && detail.contains("user 'postgres'"), "\(detail)")
        #expect(try await HTTP.send(.GET, server.baseURL + "/api/v1/health").status == 200)
        #expect(try await HTTP.send(.GET, server.baseURL + "/api/v1/agents").status == 503)

        // The database appears (a forwarder to the real server on the spare port): serving begins.
        let forwarder = Process()
        forwarder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        forwarder.arguments = ["python3", "-c", Self.forwarderScript, String(spare), realHost, String(realPort)]
        // Not the test's own output: a child holding that pipe open keeps `swift test` waiting.
        forwarder.standardOutput = FileHandle.nullDevice
        forwarder.standardError = FileHandle.nullDevice
        try forwarder.run()
        defer {  // SIGKILL: the child inherits the test thread's blocked SIGTERM
            Glibc.kill(forwarder.processIdentifier, SIGKILL)
            forwarder.waitUntilExit()
        }
        try await server.waitUntilReady(timeout: .seconds(30))
        #expect(try await HTTP.send(.GET, server.baseURL + "/api/v1/agents").status == 200)
        server.stop()
        #expect(!server.output.contains("PSQLError") && !server.output.contains("ConnectionPoolError"), "\(server.output)")

        func run(_ arguments: [String]) async throws -> (status: Int32, output: String, seconds: Double) {
            let started = ContinuousClock.now
            let process = try HangarProcess(arguments)
            #expect(await eventually(timeout: .seconds(30)) { !process.process.isRunning }, "still running: \(arguments)")
            if process.process.isRunning { process.kill() }
            let elapsed = ContinuousClock.now - started
            return (process.process.terminationStatus, process.output, Double(elapsed.components.seconds))
        }
        // Nothing ever answers: give up after the configured wait, in one line.
        var closed = URLComponents(string: database.url)!
        closed.port = try freePort()
        let gaveUp = try await run(["migrate", "--database", closed.string!, "--database-wait", "2s"])
        #expect(gaveUp.status != 0 && gaveUp.seconds < 15, "\(gaveUp.output)")
        #expect(gaveUp.output.contains("cannot reach PostgreSQL at 127.0.0.1:\(closed.port!) as user 'postgres'"), "\(gaveUp.output)")
        #expect(gaveUp.output.contains("Gave up after") && gaveUp.output.contains("HANGAR_DATABASE_WAIT"), "\(gaveUp.output)")
        #expect(!gaveUp.output.contains("PSQLError") && !gaveUp.output.contains("ConnectionPoolError"), "\(gaveUp.output)")
        // A mistake waiting cannot fix: at once, naming the user.
        var wrongUser = URLComponents(string: database.url)!
        wrongUser.user = "nobody_\(Int.random(in: 1000...9999))"
        let refused = try await run(["migrate", "--database", wrongUser.string!, "--database-wait", "60s"])
        #expect(refused.status != 0 && refused.seconds < 10, "\(refused.output)")
        #expect(refused.output.contains("PostgreSQL refused user '\(wrongUser.user!)'"), "\(refused.output)")
    }

    /// A TCP forwarder (listen port → host:port), standing in for a database that starts late.
    static let forwarderScript = """
        import socket, sys, threading
        listen_port, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
        server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", listen_port)); server.listen(64)
        def pipe(a, b):
            try:
                while (data := a.recv(65536)):
                    b.sendall(data)
            except OSError:
                pass
            finally:
                a.close(); b.close()
        while True:
            client, _ = server.accept()
            upstream = socket.create_connection((host, port))
            threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        """

    @Test("the CLI as a guide: a server that is not there, and a refused key, say what to do")
    func cliGuidance() async throws {
        func run(_ arguments: [String]) async throws -> String {
            let process = try HangarProcess(arguments)
            try #require(await eventually(timeout: .seconds(60)) { !process.process.isRunning }, "\(process.output)")
            #expect(process.process.terminationStatus != 0)
            return process.output
        }
        let down = try await run(["agents", "list", "--url", "http://127.0.0.1:1"])
        #expect(down.contains("cannot reach Hangar at http://127.0.0.1:1") && down.contains("hangar serve"), "\(down)")
        #expect(!down.contains("errno") && !down.contains("NIOConnectionError"), "\(down)")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-cli-\(Identifier.leaseToken())").path
        let port = try freePort()
        let server = try HangarProcess(["serve", "--data-dir", dir, "--workers", "0"], port: port)
        try await server.waitUntilReady()
        let refused = try await run(["agents", "list", "--url", server.baseURL, "--key", "hgr_wrong_key"])
        #expect(refused.contains("HTTP 401") && refused.contains("--key, then HANGAR_API_KEY, then HANGAR_ADMIN_KEY"), "\(refused)")
        server.stop()
    }

    @Test("the CLI's agents and tasks commands: the server's JSON as sent (nulls too), one line per listed item, refusals in words")
    func cliCommands() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-cli-\(Identifier.leaseToken())").path
        let port = try freePort()
        // No workers: submitted tasks stay queued, so cancelling one is not a race.
        let server = try HangarProcess(["serve", "--data-dir", dir, "--workers", "0"], port: port)
        try await server.waitUntilReady()
        func cli(_ arguments: [String], status: Int32 = 0) async throws -> String {
            let process = try HangarProcess(arguments + ["--url", server.baseURL])
            try #require(await eventually(timeout: .seconds(60)) { !process.process.isRunning }, "\(arguments): \(process.output)")
            #expect(process.process.terminationStatus == status, "\(arguments): \(process.output)")
            return process.output
        }

        let agent = try JSONText.decode(
            try await cli(["agents", "create", "writer", "--model", "mock/echo", "--config", #"{"temperature":0.5,"tags":["a"]}"#]))
        let agentID = try #require(agent["id"]?.stringValue)
        #expect(agent["name"] == "writer" && agent["kind"] == "llm" && agent["config"]?["temperature"] == 0.5 && agent["config"]?["tags"] == ["a"])
        #expect(agent.objectValue?["description"] == .null && agent.objectValue?["budget_limit"] == .null, "nulls are printed: \(agent)")
        #expect(try await cli(["agents", "list"]).contains("\(agentID)  writer  llm  mock/echo\n"))
        #expect(try JSONText.decode(try await cli(["agents", "get", "writer"]))["id"]?.stringValue == agentID)

        let submit = ["tasks", "submit", "writer", "--input", #"{"prompt":"hi"}"#, "--priority", "HIGH", "--idempotency-key", "once"]
        let task = try JSONText.decode(try await cli(submit))
        let taskID = try #require(task["id"]?.stringValue)
        #expect(task["priority"] == 8 && task["status"] == "queued" && task["input"]?["prompt"] == "hi" && task["agent_id"]?.stringValue == agentID)
        #expect(try JSONText.decode(try await cli(submit))["id"]?.stringValue == taskID, "the idempotency key is sent")
        let unknown = try await cli(["tasks", "submit", "writer", "--input", "{}", "--priority", "asap"], status: 64)
        #expect(unknown.contains("--priority must be 1-10 or one of low, normal, high, critical"), "\(unknown)")

        #expect(try await cli(["tasks", "list", "--agent", "writer", "--status", "queued"]).contains("\(taskID)  queued  attempts=0  \(task["created_at"]?.stringValue ?? "?")\n"))
        #expect(try await cli(["tasks", "list", "--status", "running"]).isEmpty)
        #expect(try JSONText.decode(try await cli(["tasks", "get", taskID]))["id"]?.stringValue == taskID)
        #expect(try JSONText.decode(try await cli(["tasks", "cancel", taskID]))["status"] == "cancelled")
        let events = try await cli(["tasks", "events", taskID])
        #expect(events.hasPrefix("[1] queued (attempt 0)\n") && events.contains("cancelled"), "\(events)")

        #expect(try JSONText.decode(try await cli(["agents", "delete", agentID])).objectValue != nil)
        let gone = try await cli(["agents", "get", "writer"], status: 1)
        #expect(gone.contains("HTTP 404"), "\(gone)")
        server.stop()
    }

    @Test("the CLI's help and usage: every option explained, per-subcommand usage on mistakes, no database created by a look")
    func cliHelp() async throws {
        func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
            let process = try HangarProcess(arguments)
            #expect(await eventually(timeout: .seconds(20)) { !process.process.isRunning }, "still running: \(arguments)")
            if process.process.isRunning { process.kill() }
            return (process.process.terminationStatus, process.output)
        }
        // Every option and argument of every command has help text (ArgumentParser's own `help` aside).
        let dump = try JSONText.decode(try await run(["--experimental-dump-help"]).output)
        var unexplained: [String] = []
        func walk(_ command: JSONValue, _ path: String) {
            for argument in command["arguments"]?.arrayValue ?? [] where (argument["abstract"]?.stringValue ?? "").isEmpty {
                unexplained.append("\(path) \(argument["valueName"]?.stringValue ?? "?")")
            }
            for sub in command["subcommands"]?.arrayValue ?? [] where sub["commandName"]?.stringValue != "help" {
                walk(sub, path + " " + (sub["commandName"]?.stringValue ?? "?"))
            }
        }
        walk(dump["command"] ?? .null, "hangar")
        #expect(unexplained.isEmpty, "\(unexplained)")

        // `worker --help` says what a worker accepts.
        let workerHelp = try await run(["worker", "--help"]).output
        #expect(!workerHelp.contains("API only") && !workerHelp.contains("Default: SQLite") && workerHelp.contains("required"), "\(workerHelp)")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-help-\(Identifier.leaseToken())").path
        // A negative number is a value, and is refused before anything starts.
        let negative = try await run(["serve", "--data-dir", dir, "--workers", "-1"])
        #expect(negative.status != 0 && negative.output.contains("--workers must be 0 or more, got -1"), "\(negative.output)")
        #expect(!negative.output.contains("Missing value") && !FileManager.default.fileExists(atPath: dir + "/admin.key"), "\(negative.output)")
        // A mistake shows that subcommand's usage, not the top level's.
        let role = try await run(["keys", "create", "--data-dir", dir, "--role", "boss"])
        #expect(role.status != 0 && role.output.contains("Usage: hangar keys create"), "\(role.output)")
        #expect(!role.output.contains("hangar <subcommand>"), "\(role.output)")
        let workers = try await run(["worker", "--database", "postgres://x@127.0.0.1:1/db", "--workers", "0"])
        #expect(workers.status != 0 && workers.output.contains("--workers must be 1 or more"), "\(workers.output)")
        // Looking at keys where there is no database says so, and creates none.
        let list = try await run(["keys", "list", "--data-dir", dir])
        #expect(list.status != 0 && list.output.contains("no Hangar database at \(dir)/hangar.sqlite"), "\(list.output)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/hangar.sqlite"))
        // Creating a key there says it creates the database.
        let create = try await run(["keys", "create", "--data-dir", dir])
        #expect(create.status == 0 && create.output.contains("creating it"), "\(create.output)")
        #expect(FileManager.default.fileExists(atPath: dir + "/hangar.sqlite"))
    }

    @Test("crash durability on SQLite: every task that got a 201 exists after SIGKILL and restart")
    func crashDurability() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-crash-\(Identifier.leaseToken())").path
        let port = try freePort()
        var server = try HangarProcess(["serve", "--data-dir", dir, "--workers", "2"], port: port)
        try await server.waitUntilReady()
        let base = server.baseURL
        _ = try await HTTP.send(.POST, base + "/api/v1/agents", json: ["model": "mock/echo", "name": "echo"])
        let acknowledged = Acknowledged()
        let submitters = (0..<4).map { _ in
            Task {
                while !Task.isCancelled {
                    guard let reply = try? await HTTP.send(.POST, base + "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "x"]]) else { return }
                    if reply.status == 201, let id = reply.json["id"]?.stringValue { await acknowledged.add(id) }
                }
            }
        }
        #expect(await eventually(timeout: .seconds(20)) { await acknowledged.count >= 200 })
        server.kill(SIGKILL)
        for submitter in submitters { await submitter.value }
        let ids = await acknowledged.ids
        #expect(ids.count >= 200)

        server = try HangarProcess(["serve", "--data-dir", dir, "--workers", "0"], port: port)
        try await server.waitUntilReady()
        var missing: [String] = []
        for id in ids where try await HTTP.send(.GET, base + "/api/v1/tasks/\(id)").status != 200 { missing.append(id) }
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.count) of \(ids.count)")
        server.stop()
    }

    @Test("PostgreSQL, many processes: a SIGKILLed worker's tasks are re-run after their lease expires; each task completes once")
    func killedWorker() async throws {
        let database = try TestDatabase.make(.postgres)
        let store = try await database.open()
        let port = try freePort()
        let api = try HangarProcess(["serve", "--database", database.url, "--workers", "0", "--lease-seconds", "2"], port: port)
        try await api.waitUntilReady()
        let base = api.baseURL
        _ = try await HTTP.send(.POST, base + "/api/v1/agents", json: ["model": "mock/echo", "name": "sleepy", "config": ["latency_ms": 400]])
        let workerArguments = ["worker", "--database", database.url, "--workers", "8", "--lease-seconds", "2"]
        let doomed = try HangarProcess(workerArguments)
        let survivor = try HangarProcess(workerArguments)

        var ids: [String] = []
        for _ in 0..<300 {
            let reply = try await HTTP.send(.POST, base + "/api/v1/tasks", json: ["agent_id": "sleepy", "input": ["prompt": "x"], "max_attempts": 5])
            ids.append(try #require(reply.json["id"]?.stringValue))
        }
        // Kill one worker while it holds tasks.
        let marker = "-\(doomed.pid)-"
        #expect(await eventually(timeout: .seconds(30)) {
            let running = (try? await store.taskList(TaskListParams(tenantID: nil, statuses: [.running], limit: 1000))) ?? []
            let completed = (try? await store.taskCounts(tenantID: nil).byStatus[.completed]) ?? 0
            return completed >= 40 && running.contains { $0.leaseOwner?.contains(marker) == true }
        })
        doomed.kill(SIGKILL)
        // What the dead worker still held: its leases stay until they expire (2 s). Attempts
        // take 400 ms (150 ms let them all finish between the check above and the kill, under load).
        let heldByDoomed = try await store.taskList(TaskListParams(tenantID: nil, statuses: [.running], limit: 1000))
            .filter { $0.leaseOwner?.contains(marker) == true }.map(\.id)
        #expect(!heldByDoomed.isEmpty)

        let allDone = await eventually(timeout: .seconds(90)) {
            (try? await store.taskCounts(tenantID: nil).byStatus[.completed]) == 300
        }
        let counts = try await store.taskCounts(tenantID: nil)
        #expect(allDone, "\(counts)")
        for id in ids {
            let statuses = try await store.statusEvents(id)
            #expect(statuses.filter { $0 == "completed" }.count == 1, "task \(id): \(statuses)")
        }
        for id in heldByDoomed {
            let task = try #require(try await store.taskGet(tenantID: nil, id: id))
            #expect(task.status == .completed)
            #expect(task.attempts >= 2, "re-run after the lease expired")
            let events = try await store.eventList(taskID: id, afterSeq: 0, limit: 100)
            #expect(events.contains { $0.data["error_code"] == "lease_expired" })
        }
        survivor.stop()
        api.stop()
        try await store.close()
    }

    @Test("`hangar tasks submit --follow` streams progress and exits with the task's outcome")
    func cliFollow() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-cli-\(Identifier.leaseToken())").path
        let port = try freePort()
        let server = try HangarProcess(["serve", "--data-dir", dir], port: port)
        try await server.waitUntilReady()
        _ = try await HTTP.send(.POST, server.baseURL + "/api/v1/agents", json: ["model": "mock/echo", "name": "echo"])
        _ = try await HTTP.send(.POST, server.baseURL + "/api/v1/agents", json: ["model": "mock/echo", "name": "broken", "config": ["fail_times": 9]])

        let ok = try HangarProcess([
            "tasks", "submit", "echo", "--url", server.baseURL, "--follow",
            "--input", #"{"type":"generate","prompt":"hello world","stream":true,"latency_ms":200}"#,
        ])
        ok.process.waitUntilExit()
        #expect(ok.process.terminationStatus == 0, "\(ok.output)")
        #expect(ok.output.contains("running (attempt 1)"))
        #expect(ok.output.contains("hello world\n"), "streamed text ends its line before the next event: \(ok.output)")
        #expect(ok.output.contains("\"status\" : \"completed\""))

        let failing = try HangarProcess([
            "tasks", "submit", "broken", "--url", server.baseURL, "--follow", "--max-attempts", "1", "--input", #"{"prompt":"x"}"#,
        ])
        failing.process.waitUntilExit()
        #expect(failing.process.terminationStatus == 1, "\(failing.output)")
        server.stop()
    }
}

actor Acknowledged {
    private(set) var ids: [String] = []
    var count: Int { ids.count }
    func add(_ id: String) { ids.append(id) }
}

@Suite("Secrets at rest", .serialized)
struct SecretsAtRestTests {
    static let plaintext = "plaintext-canary-\(Identifier.leaseToken())"

    static func createSecret(_ server: HangarProcess) async throws {
        _ = try await HTTP.send(.POST, server.baseURL + "/api/v1/agents", json: ["model": "mock/echo", "name": "vaulted"])
        let reply = try await HTTP.send(.POST, server.baseURL + "/api/v1/agents/vaulted/secrets", json: ["secret_key": "api_key", "secret_value": .string(plaintext)])
        #expect(reply.status == 201)
        let value = try await HTTP.send(.GET, server.baseURL + "/api/v1/agents/vaulted/secrets/api_key/value")
        #expect(value.json["value"] == .string(plaintext), "readable through the API")
    }

    @Test("SQLite: no plaintext secret in any file of the data directory or in the logs")
    func sqlite() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-vault-\(Identifier.leaseToken())").path
        let server = try HangarProcess(["serve", "--data-dir", dir], port: try freePort(), environment: ["HANGAR_LOG_LEVEL": "trace"])
        try await server.waitUntilReady()
        try await Self.createSecret(server)
        server.stop()
        var scanned = 0
        for case let name as String in FileManager.default.enumerator(atPath: dir)! {
            var isDirectory: ObjCBool = false
            let path = URL(fileURLWithPath: dir).appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(data.range(of: Data(Self.plaintext.utf8)) == nil, "plaintext found in \(name)")
            scanned += 1
        }
        #expect(scanned >= 1)
        #expect(!server.output.isEmpty && !server.output.contains(Self.plaintext), "plaintext in logs")
    }

    @Test("PostgreSQL: no plaintext secret in a pg_dump of the database or in the logs")
    func postgres() async throws {
        let database = try TestDatabase.make(.postgres)
        let server = try HangarProcess(["serve", "--database", database.url], port: try freePort(), environment: ["HANGAR_LOG_LEVEL": "trace"])
        try await server.waitUntilReady()
        try await Self.createSecret(server)
        server.stop()
        let url = try #require(URLComponents(string: database.url))
        let pgDump = try #require(
            (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().last.map { "/usr/lib/postgresql/\($0)/bin/pg_dump" },
            "pg_dump not found")
        let dump = Process()
        dump.executableURL = URL(fileURLWithPath: pgDump)
        dump.arguments = ["-h", url.host ?? "127.0.0.1", "-p", String(url.port ?? 5432), "-U", url.user ?? "postgres", "-d", String(url.path.dropFirst())]
        let pipe = Pipe()
        dump.standardOutput = pipe
        try dump.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        dump.waitUntilExit()
        #expect(dump.terminationStatus == 0)
        #expect(String(decoding: output, as: UTF8.self).contains("agent_secrets"), "the dump contains the secrets table")
        #expect(output.range(of: Data(Self.plaintext.utf8)) == nil, "plaintext found in pg_dump")
        #expect(!server.output.contains(Self.plaintext), "plaintext in logs")
    }
}
