import Foundation
import AsyncHTTPClient
import HangarCore
import HangarStore
import HangarTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The split deployment of the README's PostgreSQL layout, as real processes: one API replica
/// (`serve --workers 0`) and two `hangar worker` processes on one PostgreSQL. A browser session
/// created through the replica lives in one worker; tasks in it run there and share its
/// cookies; when that worker dies, work for the session fails with an error naming it.
@Suite("Processes: browser sessions in a split deployment", .serialized)
struct SessionOwnerProcessTests {
    @Test("serve --workers 0 + two workers: a session is placed on a worker, its tasks run there and share cookies; its owner's death is a clear error")
    func splitDeployment() async throws {
        let database = try TestDatabase.make(.postgres)
        let store = try await database.open()
        let site = CookieSite()
        let model = ModelServer()
        let answer = { (text: String) in ModelServer.Reply.json(ModelServer.completion("{'action': 'ANSWER', 'value': '\(text)', 'position': None}", prompt: 100, completion: 20)) }
        await model.enqueue(answer("logged in"), answer("still me"))
        try await site.run { siteURL in
            try await model.run { modelURL in
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-split-\(Identifier.leaseToken())").path
                let environment = [
                    "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": modelURL + "/v1", "HANGAR_ALLOW_PRIVATE_NETWORKS": "true",
                    "HANGAR_PROCESS_HEARTBEAT": "1s",
                ]
                let port = try freePort()
                let api = try HangarProcess(
                    ["serve", "--database", database.url, "--workers", "0", "--data-dir", dir + "/api"], port: port, environment: environment)
                let workers = try (0..<2).map { index in
                    try HangarProcess(["worker", "--database", database.url, "--workers", "2", "--data-dir", dir + "/w\(index)"], environment: environment)
                }
                defer {
                    for process in workers + [api] { process.stop() }
                }
                try await api.waitUntilReady()
                let base = api.baseURL

                // The replica has no browser: it places the session on a live worker (once the
                // workers have registered their internal listeners).
                var created = HTTP.Reply(status: 0, json: .null)
                #expect(await eventually(timeout: .seconds(60), every: .milliseconds(250)) {
                    created = (try? await HTTP.send(.POST, base + "/api/v1/sessions", json: ["url": .string(siteURL + "/")])) ?? created
                    return created.status == 201
                }, "\(created.status) \(created.json)\n\(workers.map(\.output).joined(separator: "\n---\n"))")
                let sessionID = try #require(created.json["session_id"]?.stringValue)
                let ownerID = try #require(created.json["process_id"]?.stringValue)
                let owner = try #require(workers.first { ownerID.contains("-\($0.pid)-") }, "owner \(ownerID) is one of the workers")
                let other = try #require(workers.first { $0 !== owner })

                // GET, list and the live screenshot, all through the replica.
                let got = try await HTTP.send(.GET, base + "/api/v1/sessions/\(sessionID)")
                #expect(got.status == 200 && got.json["status"] == "idle" && got.json["process_id"] == .string(ownerID), "\(got.json)")
                let listed = try await HTTP.send(.GET, base + "/api/v1/sessions")
                #expect(listed.json["sessions"]?.arrayValue?.compactMap { $0["session_id"]?.stringValue } == [sessionID], "\(listed.json)")
                let shot = try await HTTP.send(.GET, base + "/api/v1/sessions/\(sessionID)/screenshot")
                #expect(shot.status == 200 && shot.headers.first(name: "Content-Type") == "image/jpeg")
                #expect(try await HTTP.send(.GET, base + "/api/v1/sessions/ses_nope").status == 404)

                // A capture episode recorded by the replica from the owner's screen.
                let episode = try await HTTP.send(
                    .POST, base + "/api/v1/capture/episodes",
                    json: ["task_description": "watched", "session_id": .string(sessionID), "capture_options": ["fps": 5, "min_frames": 1]])
                #expect(episode.status == 201 && episode.json["status"] == "recording", "\(episode.json)")

                // Two tasks in the session: the first logs in (a cookie), the second's page sees it.
                let agent = try await HTTP.send(.POST, base + "/api/v1/agents", json: ["name": "surfer", "kind": "browser", "model": "openai/gpt-4o"])
                #expect(agent.status == 201, "\(agent.json)")
                var taskIDs: [String] = []
                for path in ["/login", "/whoami"] {
                    let submitted = try await HTTP.send(
                        .POST, base + "/api/v1/tasks",
                        json: ["agent_id": "surfer", "task": "look", "url": .string(siteURL + path), "max_steps": 2, "options": ["session_id": .string(sessionID)]])
                    #expect(submitted.status == 201, "\(submitted.json)")
                    let id = try #require(submitted.json["id"]?.stringValue)
                    #expect(await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
                        let task = try? await HTTP.send(.GET, base + "/api/v1/tasks/\(id)")
                        return task.map { ["completed", "failed"].contains($0.json["status"]?.stringValue ?? "") } ?? false
                    })
                    taskIDs.append(id)
                }
                let first = try await HTTP.send(.GET, base + "/api/v1/tasks/\(taskIDs[0])").json
                let second = try await HTTP.send(.GET, base + "/api/v1/tasks/\(taskIDs[1])").json
                #expect(first["status"] == "completed" && second["status"] == "completed", "\(first)\n\(second)")
                let cookie = try #require(await site.issued.first)
                #expect(second["output"]?["final_title"] == .string("whoami \(cookie)"), "the second task saw the first one's cookie: \(second["output"] ?? .null)")
                for id in taskIDs {
                    let workerIDs = try await store.eventList(taskID: id, afterSeq: 0, limit: 100).compactMap { $0.data["worker_id"]?.stringValue }
                    #expect(workerIDs == [ownerID], "task \(id) ran in the session's process only: \(workerIDs)")
                }

                let stopped = try await HTTP.send(.DELETE, base + "/api/v1/capture/episodes/\(episode.json["episode_id"]?.stringValue ?? "")")
                #expect(stopped.json["status"] == "written" && (stopped.json["num_frames"]?.intValue ?? 0) >= 1, "\(stopped.json)")

                // The owner dies. A task submitted before anyone notices is failed, naming the session.
                owner.kill(SIGKILL)
                let orphan = try await HTTP.send(
                    .POST, base + "/api/v1/tasks", json: ["agent_id": "surfer", "task": "look", "options": ["session_id": .string(sessionID)]])
                let orphanID = try #require(orphan.json["id"]?.stringValue, "\(orphan.json)")
                var ended: JSONValue = .null
                #expect(await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
                    ended = (try? await HTTP.send(.GET, base + "/api/v1/tasks/\(orphanID)").json) ?? .null
                    return ended["status"] == "failed"
                }, "\(ended)")
                #expect(ended["error_code"] == "session_owner_gone")
                let message = ended["error"]?.stringValue ?? ""
                #expect(message.contains(sessionID) && message.contains(ownerID), "\(message)")
                #expect(try await store.eventList(taskID: orphanID, afterSeq: 0, limit: 100).allSatisfy { $0.data["worker_id"] == nil }, "no other worker ran it")

                // Afterwards the session's requests and new tasks for it are refused at once, naming both.
                let gone = try await HTTP.send(.GET, base + "/api/v1/sessions/\(sessionID)")
                #expect(gone.status == 503 && gone.json["status_code"] == 503, "\(gone.json)")
                #expect(gone.json["detail"]?.stringValue?.contains(sessionID) == true && gone.json["detail"]?.stringValue?.contains(ownerID) == true)
                let refused = try await HTTP.send(
                    .POST, base + "/api/v1/tasks", json: ["agent_id": "surfer", "task": "look", "options": ["session_id": .string(sessionID)]])
                #expect(refused.status == 503 && refused.json["detail"]?.stringValue?.contains(sessionID) == true, "\(refused.json)")

                // The survivor now hosts new sessions.
                let again = try await HTTP.send(.POST, base + "/api/v1/sessions", json: [:])
                #expect(again.status == 201 && again.json["process_id"]?.stringValue?.contains("-\(other.pid)-") == true, "\(again.json)")
                let closed = try await HTTP.send(.DELETE, base + "/api/v1/sessions/\(again.json["session_id"]?.stringValue ?? "")")
                #expect(closed.status == 200 && closed.json["status"] == "closed", "\(closed.json)")
            }
        }
        try await store.close()
    }
}

extension SessionOwnerProcessTests {
    @Test("serve --workers 0 + a worker: a narrated task is spoken by the worker's espeak-ng and heard through the API replica")
    func narrationInWorker() async throws {
        let database = try TestDatabase.make(.postgres)
        let store = try await database.open()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-narrate-\(Identifier.leaseToken())").path
        let port = try freePort()
        let environment = ["HANGAR_PROCESS_HEARTBEAT": "1s"]
        let api = try HangarProcess(["serve", "--database", database.url, "--workers", "0", "--data-dir", dir + "/api"], port: port, environment: environment)
        let worker = try HangarProcess(["worker", "--database", database.url, "--workers", "2", "--data-dir", dir + "/w"], environment: environment)
        defer {
            worker.stop()
            api.stop()
        }
        try await api.waitUntilReady()
        let base = api.baseURL
        // The model answers after 2 s, so the listener is attached before anything is said.
        #expect(try await HTTP.send(.POST, base + "/api/v1/agents", json: ["model": "mock/echo", "name": "talker", "config": ["latency_ms": 2000]]).status == 201)
        // Wait for the worker to register its internal listener (what the replica forwards to).
        #expect(await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
            ((try? await store.processList(liveWithin: .seconds(3))) ?? []).contains { $0.kind == "worker" && $0.internalURL != nil }
        })
        let submitted = try await HTTP.send(
            .POST, base + "/api/v1/tasks",
            json: ["agent_id": "talker", "input": ["type": "generate", "prompt": "Reading the page now."], "options": ["enable_tts": true]])
        let id = try #require(submitted.json["id"]?.stringValue, "\(submitted.json)")
        var narration: JSONValue = .null
        #expect(await eventually(timeout: .seconds(30), every: .milliseconds(50)) {
            narration = (try? await store.eventList(taskID: id, afterSeq: 0, limit: 100))?.last { $0.type == "narration" }?.data ?? .null
            return narration != .null
        })
        #expect(narration["audio_url"] == .string("/api/v1/tasks/\(id)/narration/audio"), "\(narration)")
        let sessionID = try #require(narration["session_id"]?.stringValue)
        // The replica has no such speech session of its own: the audio comes from the worker.
        #expect(try await HTTP.send(.GET, base + "/api/v1/tts/stream/\(sessionID)").status == 404)

        var request = HTTPClientRequest(url: base + "/api/v1/tasks/\(id)/narration/audio?format=wav&pace=burst")
        request.headers.add(name: "Authorization", value: "Bearer \(HangarProcess.adminKey)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        #expect(response.status.code == 200 && response.headers.first(name: "Content-Type") == "audio/wav")
        let audio = try await response.body.collect(upTo: 32 << 20)
        let bytes = Array(audio.readableBytesView)
        #expect(bytes.count > 48_000, "at least half a second of 48 kHz speech: \(bytes.count) bytes")
        #expect(String(decoding: bytes.prefix(4), as: UTF8.self) == "RIFF")
        let samples = stride(from: 44, to: bytes.count - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
        #expect((samples.map { abs(Int($0)) }.max() ?? 0) > 1000, "speech, not silence")

        let task = try await HTTP.send(.GET, base + "/api/v1/tasks/\(id)").json
        #expect(task["status"] == "completed", "\(task)")
        let workerIDs = try await store.eventList(taskID: id, afterSeq: 0, limit: 100).compactMap { $0.data["worker_id"]?.stringValue }
        #expect(workerIDs.count == 1 && workerIDs[0].contains("-\(worker.pid)-"), "\(workerIDs)")
        #expect(try await store.eventList(taskID: id, afterSeq: 0, limit: 100).allSatisfy { $0.data["level"] != "warning" }, "no 'narration unavailable' warning")
        // Over once the attempt ended.
        #expect(try await HTTP.send(.GET, base + "/api/v1/tasks/\(id)/narration/audio").status == 404)
        try await store.close()
    }
}

/// A site on loopback: `/login` sets a cookie, `/whoami` shows the cookie it was sent in its title.
actor CookieSite {
    private(set) var issued: [String] = []

    func issue() -> String {
        let value = "sid-\(Identifier.leaseToken().prefix(8))"
        issued.append(value)
        return value
    }

    func run(_ body: @Sendable (_ url: String) async throws -> Void) async throws {
        let router = Router()
        router.get("/") { _, _ in Self.page("home") }
        router.get("/login") { _, _ in
            let value = await self.issue()
            var response = Self.page("logged in")
            response.headers[.setCookie] = "sid=\(value); Path=/"
            return response
        }
        router.get("/whoami") { request, _ in
            let cookie = request.headers[.cookie] ?? ""
            let value = cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("sid=") }?.dropFirst(4)
            return Self.page("whoami \(value.map(String.init) ?? "nobody")")
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)")
        }
    }

    static func page(_ title: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: "<html><head><title>\(title)</title></head><body><h1>\(title)</h1></body></html>")))
    }
}
