import Foundation
import HangarCore
import HangarTestSupport
import NIOHTTP1
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Storage faults a self-hosted server meets (issue 25): each answered with its cause and
/// `Retry-After`, `/ready` not ready while it lasts, nothing acknowledged lost, and recovery
/// without a restart.
@Suite("Processes: storage faults", .serialized)
struct StorageFaultTests {
    /// Runs a command, failing the test loudly if it does not succeed (these tests need root
    /// for `mount`, as CI has).
    static func sh(_ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Polled, not `waitUntilExit()`: that spins a run loop a concurrency thread does not have.
        guard await eventually(timeout: .seconds(30), { !process.isRunning }) else {
            process.terminate()
            throw ProcessTestError("\(arguments.joined(separator: " ")) did not finish")
        }
        guard process.terminationStatus == 0 else { throw ProcessTestError("\(arguments.joined(separator: " ")) failed (\(process.terminationStatus))") }
    }

    static func submit(_ base: String, _ text: String = "x") async throws -> HTTP.Reply {
        try await HTTP.send(.POST, base + "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": .string(text)]])
    }

    @Test("SQLite's disk fills up: 507 with Retry-After naming the disk, /ready not ready, accepted tasks kept; space freed, it serves again")
    func diskFull() async throws {
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-full-\(Identifier.leaseToken())").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try await Self.sh(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint])
        defer {  // (a defer cannot await: unmount with a plain call)
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            umount.arguments = ["umount", "-l", mountPoint]
            try? umount.run()
        }
        let port = try freePort()
        let server = try HangarProcess(["serve", "--data-dir", mountPoint + "/data", "--workers", "0"], port: port)
        defer { server.stop() }
        try await server.waitUntilReady()
        let base = server.baseURL
        #expect(try await HTTP.send(.POST, base + "/api/v1/agents", json: ["model": "mock/echo", "name": "echo"]).status == 201)
        var accepted: [String] = []
        for _ in 0..<5 { accepted.append(try #require(try await Self.submit(base).json["id"]?.stringValue)) }

        // Fill the disk, then keep submitting until the database has no room left.
        let filler = mountPoint + "/filler"
        _ = FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        let chunk = Data(repeating: 0, count: 64 << 10)
        while (try? handle.write(contentsOf: chunk)) != nil {}
        try? handle.close()
        var refusal: HTTP.Reply?
        for _ in 0..<200 {
            let reply = try await Self.submit(base, String(repeating: "x", count: 4000))
            if reply.status == 201 { accepted.append(try #require(reply.json["id"]?.stringValue)); continue }
            refusal = reply
            break
        }
        let refused = try #require(refusal, "the disk never filled")
        #expect(refused.status == 507, "\(refused.json)")
        #expect(refused.json["detail"]?.stringValue?.contains("is full") == true, "\(refused.json)")
        #expect(refused.json["detail"]?.stringValue?.contains(mountPoint) == true)
        let retryAfter = try await HTTP.send(.POST, base + "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": .string(String(repeating: "y", count: 4000))]])
        #expect(retryAfter.status == 507 && retryAfter.headers["Retry-After"].first == "30")
        let notReady = try await HTTP.send(.GET, base + "/api/v1/ready")
        #expect(notReady.status == 503 && notReady.json["detail"]?.stringValue?.contains("disk_full") == true, "\(notReady.json)")
        #expect(try await HTTP.send(.GET, base + "/api/v1/health").status == 200, "liveness stays up")
        // One log line for the episode, not one per refused request.
        #expect(server.output.components(separatedBy: "storage fault:").count - 1 == 1, "\(server.output)")

        // Space comes back: ready again without a restart, and submissions are accepted.
        try FileManager.default.removeItem(atPath: filler)
        #expect(await eventually(timeout: .seconds(10)) { (try? await HTTP.send(.GET, base + "/api/v1/ready"))?.status == 200 })
        #expect(try await Self.submit(base).status == 201)
        for id in accepted {
            #expect(try await HTTP.send(.GET, base + "/api/v1/tasks/\(id)").status == 200, "accepted task \(id) lost")
        }
        #expect(server.output.contains("storage fault over"), "\(server.output)")
    }

    @Test("the kernel turns SQLite's filesystem read-only (ext4 errors=remount-ro): 503 with Retry-After naming it, /ready not ready, one log line; after fsck and a remount every accepted task is there (HANGAR_SQLITE_SYNC=full)")
    func readOnly() async throws {
        let disk = try await ScratchFilesystem.ext4(megabytes: 64)
        defer { disk.detach() }
        let dataDir = disk.mountPoint + "/data"
        // With SQLite's default (`synchronous = NORMAL`) the commits of the last ~30 s are in the
        // page cache only, and the kernel going read-only loses them (all five tasks and the
        // agent, measured): a server that must keep them through this fault fsyncs each commit.
        let fullSync = ["HANGAR_SQLITE_SYNC": "full"]
        var server = try HangarProcess(["serve", "--data-dir", dataDir, "--workers", "0"], port: try freePort(), environment: fullSync)
        defer { server.stop() }
        try await server.waitUntilReady()
        #expect(try await HTTP.send(.POST, server.baseURL + "/api/v1/agents", json: ["model": "mock/echo", "name": "echo"]).status == 201)
        var accepted: [String] = []
        for _ in 0..<5 { accepted.append(try #require(try await Self.submit(server.baseURL).json["id"]?.stringValue)) }

        // What an I/O error does to ext4 mounted errors=remount-ro: every write is refused
        // (EROFS) from then on, through the descriptors SQLite holds open too.
        try await disk.turnReadOnly()
        var statuses: [Int] = []
        var refusal: HTTP.Reply?
        for _ in 0..<3 {
            let reply = try await Self.submit(server.baseURL)
            statuses.append(reply.status)
            if reply.status != 201 { refusal = refusal ?? reply }
        }
        #expect(statuses == [503, 503, 503], "\(statuses)")
        let refused = try #require(refusal)
        let detail = refused.json["detail"]?.stringValue ?? ""
        #expect(detail.contains("filesystem holding the SQLite database (\(dataDir)) is read-only"), "\(detail)")
        #expect(refused.headers.first(name: "Retry-After") == "30")
        let notReady = try await HTTP.send(.GET, server.baseURL + "/api/v1/ready")
        #expect(notReady.status == 503 && notReady.json["detail"]?.stringValue?.contains("read_only") == true, "\(notReady.json)")
        #expect(try await HTTP.send(.GET, server.baseURL + "/api/v1/health").status == 200, "liveness stays up")
        for id in accepted {
            #expect(try await HTTP.send(.GET, server.baseURL + "/api/v1/tasks/\(id)").status == 200, "reads still served: \(id)")
        }
        #expect(server.output.components(separatedBy: "storage fault:").count - 1 == 1, "one log line per episode: \(server.output)")

        // The kernel keeps the filesystem read-only until it is unmounted, which needs Hangar's
        // files closed: stop, fsck, mount, start. Nothing acknowledged is lost.
        server.stop()
        try await disk.repair()
        server = try HangarProcess(["serve", "--data-dir", dataDir, "--workers", "0"], port: try freePort(), environment: fullSync)
        try await server.waitUntilReady()
        for id in accepted {
            #expect(try await HTTP.send(.GET, server.baseURL + "/api/v1/tasks/\(id)").status == 200, "accepted task \(id) lost")
        }
        #expect(try await Self.submit(server.baseURL).status == 201)
    }

    @Test("SQLite's write-ahead log cannot grow on a full disk (a reader pins it; the database file does not grow): 507 naming the log, one episode; reader gone and space freed, it serves again by itself")
    func walDiskFull() async throws {
        let disk = try await ScratchFilesystem.tmpfs(megabytes: 6)
        defer { disk.detach() }
        let dataDir = disk.mountPoint + "/data"
        let server = try HangarProcess(["serve", "--data-dir", dataDir, "--workers", "0"], port: try freePort())
        defer { server.stop() }
        try await server.waitUntilReady()
        let base = server.baseURL
        #expect(try await HTTP.send(.POST, base + "/api/v1/agents", json: ["model": "mock/echo", "name": "echo"]).status == 201)
        var accepted: [String] = []
        for _ in 0..<5 { accepted.append(try #require(try await Self.submit(base).json["id"]?.stringValue)) }

        // Another process checkpoints, then holds a read transaction: from then on no checkpoint
        // can restart the log, so every commit appends to it and the database file stays as is.
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        reader.arguments = [
            "python3", "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('PRAGMA wal_checkpoint(TRUNCATE)'); "
                + "c.execute('BEGIN'); c.execute('SELECT count(*) FROM tasks').fetchall(); print('reading', flush=True); time.sleep(120)",
            dataDir + "/hangar.sqlite",
        ]
        let pipe = Pipe()
        reader.standardOutput = pipe
        reader.standardError = FileHandle.nullDevice
        try reader.run()
        defer { if reader.isRunning { Glibc.kill(reader.processIdentifier, SIGKILL) } }
        _ = pipe.fileHandleForReading.availableData  // "reading"
        for _ in 0..<20 { accepted.append(try #require(try await Self.submit(base).json["id"]?.stringValue)) }
        func size(_ name: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: dataDir + "/" + name))?[.size] as? Int) ?? -1 }
        let databaseBefore = size("hangar.sqlite")
        let walBefore = size("hangar.sqlite-wal")
        #expect(walBefore > 0, "commits go to the log")

        try disk.fill()
        var refusals: [HTTP.Reply] = []
        for _ in 0..<400 where refusals.count < 3 {
            let reply = try await Self.submit(base, String(repeating: "x", count: 4000))
            if reply.status == 201 { accepted.append(try #require(reply.json["id"]?.stringValue)) } else { refusals.append(reply) }
        }
        let refused = try #require(refusals.first, "the log never filled the disk")
        #expect(refusals.allSatisfy { $0.status == 507 }, "\(refusals.map(\.json))")
        let detail = refused.json["detail"]?.stringValue ?? ""
        #expect(detail.contains("SQLite database and its write-ahead log (\(dataDir)) is full"), "\(detail)")
        #expect(refused.headers.first(name: "Retry-After") == "30")
        #expect(size("hangar.sqlite") == databaseBefore, "the database file did not grow: \(databaseBefore) → \(size("hangar.sqlite"))")
        #expect(size("hangar.sqlite-wal") >= walBefore, "the log kept what it had: \(walBefore) → \(size("hangar.sqlite-wal"))")
        #expect(try await HTTP.send(.GET, base + "/api/v1/ready").status == 503)
        #expect(server.output.components(separatedBy: "storage fault:").count - 1 == 1, "one log line per episode: \(server.output)")

        Glibc.kill(reader.processIdentifier, SIGKILL)
        try disk.free()
        #expect(await eventually(timeout: .seconds(10)) { (try? await HTTP.send(.GET, base + "/api/v1/ready"))?.status == 200 })
        #expect(try await Self.submit(base).status == 201)
        for id in accepted {
            #expect(try await HTTP.send(.GET, base + "/api/v1/tasks/\(id)").status == 200, "accepted task \(id) lost")
        }
        #expect(server.output.contains("storage fault over"), "\(server.output)")
    }

    @Test("SQLite locked by another process beyond the busy timeout: 503 with Retry-After naming the lock, then it serves again")
    func locked() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-lock-\(Identifier.leaseToken())").path
        let port = try freePort()
        let server = try HangarProcess(["serve", "--data-dir", dir, "--workers", "0"], port: port)
        defer { server.stop() }
        try await server.waitUntilReady()
        let base = server.baseURL
        #expect(try await HTTP.send(.POST, base + "/api/v1/agents", json: ["model": "mock/echo", "name": "echo"]).status == 201)
        // Another process takes the write lock for 14 s (the busy timeout is 10 s).
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = [
            "python3", "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(14); c.execute('ROLLBACK')",
            dir + "/hangar.sqlite",
        ]
        let pipe = Pipe()
        holder.standardOutput = pipe
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        defer { if holder.isRunning { Glibc.kill(holder.processIdentifier, SIGKILL) } }
        _ = pipe.fileHandleForReading.availableData  // "locked"
        let refused = try await Self.submit(base)
        #expect(refused.status == 503, "\(refused.json)")
        #expect(refused.json["detail"]?.stringValue?.contains("locked by another process") == true, "\(refused.json)")
        holder.waitUntilExit()
        #expect(await eventually(timeout: .seconds(10)) { (try? await Self.submit(base))?.status == 201 })
        #expect(await eventually(timeout: .seconds(10)) { (try? await HTTP.send(.GET, base + "/api/v1/ready"))?.status == 200 })
    }

    @Test("PostgreSQL: Hangar's connections are killed mid-flight (failover): never a 500, 503 at worst, it serves again by itself, every task completes")
    func postgresConnectionsReset() async throws {
        let database = try TestDatabase.make(.postgres)
        let name = "hangar_fault_\(Int.random(in: 100_000...999_999))"
        let url = database.url + "&application_name=\(name)"
        let port = try freePort()
        let server = try HangarProcess(["serve", "--database", url, "--workers", "2", "--lease-seconds", "5"], port: port)
        defer { server.kill(SIGKILL) }
        try await server.waitUntilReady()
        let base = server.baseURL
        #expect(try await HTTP.send(.POST, base + "/api/v1/agents", json: ["model": "mock/echo", "name": "echo"]).status == 201)
        var accepted: [String] = []
        for round in 0..<3 {
            for _ in 0..<5 { accepted.append(try #require(try await Self.submit(base).json["id"]?.stringValue)) }
            // Kill every connection the server holds, as a failover would.
            let base = ProcessInfo.processInfo.environment["HANGAR_TEST_DATABASE_URL"] ?? ""
            try await Self.sh(["psql", base, "-qAt", "-c", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '\(name)'"])
            var statuses: [Int] = []
            for _ in 0..<10 {
                let reply = try await Self.submit(server.baseURL)
                statuses.append(reply.status)
                if reply.status == 201, let id = reply.json["id"]?.stringValue { accepted.append(id) }
                if reply.status == 503 { #expect(reply.json["detail"]?.stringValue?.contains("PostgreSQL") == true, "\(reply.json)") }
            }
            #expect(statuses.allSatisfy { $0 == 201 || $0 == 503 }, "round \(round): \(statuses)")
            #expect(statuses.last == 201, "round \(round): serving again by itself: \(statuses)")
        }
        // Every acknowledged task runs to completion: a call the driver never answers after its
        // connection died is abandoned after the store deadline (the lease, here 5 s → 10 s),
        // so no worker slot stays stuck.
        var statuses: [String: String] = [:]
        let done = await eventually(timeout: .seconds(90), every: .milliseconds(500)) {
            for id in accepted where statuses[id] != "completed" {
                statuses[id] = (try? await HTTP.send(.GET, base + "/api/v1/tasks/\(id)"))?.json["status"]?.stringValue ?? "unreadable"
            }
            return statuses.values.allSatisfy { $0 == "completed" }
        }
        #expect(done, "\(statuses.filter { $0.value != "completed" })\n\(server.output)")
    }

    @Test("PostgreSQL has no free connection slot (53300): 503 with Retry-After naming the cause, /ready not ready; slots free again, it serves by itself and every accepted task completes")
    func postgresSlotsExhausted() async throws {
        // The injection: Hangar's role may open no new connection (`CONNECTION LIMIT 0`), so every
        // connection attempt fails with the SQLSTATE a server whose max_connections another client
        // has spent answers (53300, too_many_connections); its open connections are then killed.
        let admin = ProcessInfo.processInfo.environment["HANGAR_TEST_DATABASE_URL"] ?? ""
        let role = "hangar_slots_\(Int.random(in: 100_000...999_999))"
        try await Self.sh(["psql", admin, "-qAt", "-c", "CREATE ROLE \(role) LOGIN", "-c", "GRANT CREATE ON DATABASE postgres TO \(role)"])
        defer {
            let cleanup = Process()
            cleanup.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            cleanup.arguments = ["psql", admin, "-qAt", "-c", "DROP OWNED BY \(role) CASCADE", "-c", "DROP ROLE \(role)"]
            cleanup.standardOutput = FileHandle.nullDevice
            cleanup.standardError = FileHandle.nullDevice
            try? cleanup.run()
        }
        var components = try #require(URLComponents(string: try TestDatabase.make(.postgres).url))
        components.user = role
        let url = try #require(components.string)
        let server = try HangarProcess(["serve", "--database", url, "--workers", "1"], port: try freePort())
        defer { server.kill(SIGKILL) }
        try await server.waitUntilReady()
        let base = server.baseURL
        #expect(try await HTTP.send(.POST, base + "/api/v1/agents", json: ["model": "mock/echo", "name": "echo"]).status == 201)
        var accepted: [String] = []
        for _ in 0..<3 { accepted.append(try #require(try await Self.submit(base).json["id"]?.stringValue)) }

        try await Self.sh([
            "psql", admin, "-qAt", "-c", "ALTER ROLE \(role) CONNECTION LIMIT 0",
            "-c", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '\(role)'",
        ])
        var refused: HTTP.Reply?
        for _ in 0..<20 where refused == nil {
            let reply = try await Self.submit(base)
            #expect(reply.status == 201 || reply.status == 503, "never a 500: \(reply.status) \(reply.json)")
            if reply.status == 201, let id = reply.json["id"]?.stringValue { accepted.append(id) }
            if reply.status == 503 { refused = reply }
        }
        let answer = try #require(refused, "no submission was refused while PostgreSQL had no free slot")
        let detail = answer.json["detail"]?.stringValue ?? ""
        #expect(detail.contains("PostgreSQL") && detail.contains("no free connection slot"), "\(detail)")
        #expect(answer.json["status_code"] == 503)
        #expect(answer.headers.first(name: "Retry-After") == "5")
        let ready = try await HTTP.send(.GET, base + "/api/v1/ready")
        #expect(ready.status == 503, "\(ready.json)")
        #expect(try await HTTP.send(.GET, base + "/api/v1/health").status == 200, "liveness stays up")

        // Another client lets go: Hangar connects again by itself.
        try await Self.sh(["psql", admin, "-qAt", "-c", "ALTER ROLE \(role) CONNECTION LIMIT -1"])
        #expect(await eventually(timeout: .seconds(15)) { (try? await HTTP.send(.GET, base + "/api/v1/ready"))?.status == 200 })
        let again = try await Self.submit(base)
        #expect(again.status == 201, "\(again.json)")
        if let id = again.json["id"]?.stringValue { accepted.append(id) }
        var statuses: [String: String] = [:]
        let done = await eventually(timeout: .seconds(60), every: .milliseconds(500)) {
            for id in accepted where statuses[id] != "completed" {
                statuses[id] = (try? await HTTP.send(.GET, base + "/api/v1/tasks/\(id)"))?.json["status"]?.stringValue ?? "unreadable"
            }
            return statuses.values.allSatisfy { $0 == "completed" }
        }
        #expect(done, "\(statuses.filter { $0.value != "completed" })\n\(server.output)")
    }
}
