import Foundation
import HangarApp
import HangarCore
import HangarSettings
import HangarStore
import HangarTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Telegram bots end to end (issue 16): Hangar is built from settings the way `serve` builds
/// it, with one worker, and driven over HTTP; Telegram is `FakeTelegram`, a local server that
/// speaks the Bot API. Nothing of Hangar's own is replaced.
@Suite("Telegram bots: deploy, answer in the chat, restart, delete", .serialized)
struct TelegramBotTests {
    static let token = "123456:ABC-fake_token"
    static let publicURL = "https://bots.example.test"

    /// The app and a fake Telegram; `publicURL: nil` leaves HANGAR_PUBLIC_URL unset.
    static func withBotServer(
        _ backend: TestBackend = .sqlite, publicURL: String? = Self.publicURL,
        _ body: @escaping @Sendable (any TestClientProtocol, FakeTelegram, any HangarStore) async throws -> Void
    ) async throws {
        let telegram = FakeTelegram(tokens: [token])
        try await withTestStore(backend) { store, _ in
            let data = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-bots-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: data) }
            try await telegram.run { apiURL in
                var values = [
                    "http.port": "0", "http.auth": "none", "workers.count": "2", "database.data_dir": data.path, "bots.telegram_api_url": apiURL,
                ]
                if let publicURL { values["bots.public_url"] = publicURL }
                let app = try await HangarServe.buildApplication(
                    settings: Settings(areas: SettingsCatalogue.areas, values: values), store: store, logger: Logger(label: "hangar.test"))
                try await app.test(.live) { client in try await body(client, telegram, store) }
            }
        }
    }

    static func send(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, json: JSONValue? = nil, headers: HTTPFields = [:])
        async throws -> (status: HTTPResponse.Status, json: JSONValue, text: String)
    {
        var headers = headers
        headers[.contentType] = "application/json"
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: JSONText.encode($0)) })
        let text = String(buffer: response.body)
        return (response.status, (try? JSONText.decode(text)) ?? .null, text)
    }

    static func deploy(_ client: any TestClientProtocol, name: String = "helper", token: String = Self.token, config: JSONValue = ["greeting": "Hi there!"])
        async throws -> (status: HTTPResponse.Status, json: JSONValue, text: String)
    {
        try await send(
            client, .post, "/api/v1/agents/deploy",
            json: [
                "name": .string(name), "platform": "telegram", "bot_token": .string(token), "model": "mock/echo",
                "system_prompt": "You are terse.", "config": config, "user_id": "seed-user",
            ])
    }

    static func update(_ id: Int, chat: Int = 42, text: String?) -> JSONValue {
        var message: [String: JSONValue] = [
            "message_id": .int(Int64(id)), "date": 1_700_000_000, "chat": ["id": .int(Int64(chat)), "type": "private"],
            "from": ["id": 7, "is_bot": false, "first_name": "Ada", "username": "ada"],
        ]
        if let text { message["text"] = .string(text) } else { message["sticker"] = ["file_id": "x", "emoji": "👍"] }
        return ["update_id": .int(Int64(id)), "message": .object(message)]
    }

    static func post(_ client: any TestClientProtocol, _ agentID: String, _ update: JSONValue, secret: String?) async throws
        -> (status: HTTPResponse.Status, json: JSONValue, text: String)
    {
        var headers: HTTPFields = [:]
        if let secret { headers[HTTPField.Name("X-Telegram-Bot-Api-Secret-Token")!] = secret }
        return try await send(client, .post, "/webhook/\(agentID)", json: update, headers: headers)
    }

    /// The secret of the newest `setWebhook`.
    static func secret(_ telegram: FakeTelegram) async throws -> String {
        try #require(await telegram.calls("setWebhook").last?.body["secret_token"]?.stringValue)
    }

    @Test("deploy → setWebhook with a secret → an update is answered in the chat once → restart → delete → deleteWebhook", arguments: TestBackend.allCases)
    func lifecycle(_ backend: TestBackend) async throws {
        try await Self.withBotServer(backend) { client, telegram, store in
            let deployed = try await Self.deploy(client)
            #expect(deployed.status == .created, "\(deployed.text)")
            let agentID = try #require(deployed.json["id"]?.stringValue)
            #expect(deployed.json["kind"] == "bot" && deployed.json["status"] == "running")
            #expect(deployed.json["webhook_url"]?.stringValue == "\(Self.publicURL)/webhook/\(agentID)")
            #expect(deployed.json["deployment"]?["bot_username"] == "fake_bot")
            #expect(!deployed.text.contains(Self.token), "the token is never returned")

            // getMe checked the token before setWebhook registered the URL with a fresh secret.
            #expect(await telegram.calls.map(\.method).prefix(2) == ["getMe", "setWebhook"])
            let registration = try #require(await telegram.calls("setWebhook").first?.body)
            #expect(registration["url"]?.stringValue == "\(Self.publicURL)/webhook/\(agentID)")
            #expect(registration["allowed_updates"] == ["message"])
            let secret = try await Self.secret(telegram)
            #expect(secret.count >= 32 && secret.count <= 256)
            #expect(secret.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }, "Telegram's alphabet")
            // The token is an encrypted agent secret.
            let secrets = try await store.secretList(tenantID: Tenant.defaultID, agentID: agentID)
            #expect(secrets.map(\.key) == ["bot_token"] && secrets.first?.ciphertext.contains(Self.token) == false)

            // The wrong secret, or none: 401 and nothing queued.
            #expect(try await Self.post(client, agentID, Self.update(1, text: "hello bot"), secret: "wrong").status == .unauthorized)
            #expect(try await Self.post(client, agentID, Self.update(1, text: "hello bot"), secret: nil).status == .unauthorized)
            #expect(try await store.taskList(TaskListParams(tenantID: nil)).isEmpty)

            let accepted = try await Self.post(client, agentID, Self.update(1, text: "hello bot"), secret: secret)
            #expect(accepted.status == .ok && accepted.json["duplicate"] == false, "\(accepted.text)")
            #expect(await eventually { await telegram.delivered.count == 1 }, "the reply reaches Telegram")
            let reply = try #require(await telegram.delivered.first?.body)
            #expect(reply["chat_id"] == 42 && reply["text"] == "hello bot", "mock/echo answers with the message")
            #expect(await !telegram.calls("sendChatAction").isEmpty, "typing… while the model works")

            // The same update again (Telegram redelivers when the answer was slow): the same task, no second reply.
            let again = try await Self.post(client, agentID, Self.update(1, text: "hello bot"), secret: secret)
            #expect(again.status == .ok && again.json["duplicate"] == true && again.json["task_id"] == accepted.json["task_id"])
            let taskID = try #require(accepted.json["task_id"]?.stringValue)
            #expect(try await eventually { try await store.taskGet(tenantID: nil, id: taskID)?.status == .completed })
            try await Task.sleep(for: .milliseconds(300))
            #expect(await telegram.delivered.count == 1)

            // /start gets the greeting; the chat is one chat session with the whole exchange.
            _ = try await Self.post(client, agentID, Self.update(2, text: "/start"), secret: secret)
            #expect(await eventually { await telegram.delivered.count == 2 })
            #expect(await telegram.delivered.last?.body["text"] == "Hi there!")
            _ = try await Self.post(client, agentID, Self.update(3, text: "second message"), secret: secret)
            #expect(await eventually { await telegram.delivered.count == 3 })
            let sessions = try await Self.send(client, .get, "/api/v1/chat/sessions")
            // Seed 004's list shape: a bare array.
            let session = try #require(sessions.json.arrayValue?.first, "\(sessions.text)")
            #expect(sessions.json.arrayValue?.count == 1 && session["session_type"] == "telegram")
            #expect(session["system_prompt"] == "You are terse.")
            let messages = try await Self.send(client, .get, "/api/v1/chat/sessions/\(session["id"]?.stringValue ?? "")/messages")
            #expect(
                messages.json.arrayValue?.compactMap { $0["content"]?.stringValue } == ["hello bot", "hello bot", "second message", "second message"])

            let shown = try await Self.send(client, .get, "/agents/\(agentID)")
            #expect(shown.json["deployment"]?["messages_in"] == 3 && shown.json["deployment"]?["replies_out"] == 3, "\(shown.text)")
            #expect(shown.json["deployment"]?["status"] == "running" && shown.json["deployment"]?["last_activity_at"] != JSONValue.null)

            // Per-bot metrics, in HangarMetrics' names.
            let metrics = try await Self.send(client, .get, "/metrics").text
            #expect(metrics.contains("bot_messages_received_total{agent_id=\"\(agentID)\",platform=\"telegram\"} 3"), "\(metrics)")
            #expect(metrics.contains("bot_replies_sent_total{agent_id=\"\(agentID)\",platform=\"telegram\"} 3"))
            #expect(metrics.contains("bot_reply_latency_seconds_count{agent_id=\"\(agentID)\",platform=\"telegram\"} 3"))

            // Restart: a new secret; the old one no longer opens the webhook.
            let restarted = try await Self.send(client, .post, "/agents/\(agentID)/restart")
            #expect(restarted.status == .ok && restarted.json["status"] == "running", "\(restarted.text)")
            let newSecret = try await Self.secret(telegram)
            let registrations = await telegram.calls("setWebhook").count
            #expect(newSecret != secret && registrations == 2)
            #expect(try await Self.post(client, agentID, Self.update(4, text: "x"), secret: secret).status == .unauthorized)
            #expect(try await Self.post(client, agentID, Self.update(4, text: "after restart"), secret: newSecret).status == .ok)
            #expect(await eventually { await telegram.delivered.count == 4 })

            // Delete (the seed's path): deleteWebhook first, then the agent and its token.
            let deleted = try await Self.send(client, .delete, "/agents/\(agentID)")
            #expect(deleted.status == .ok && deleted.json["deployment"]?["webhook_removed"] == true, "\(deleted.text)")
            #expect(await telegram.calls("deleteWebhook").count == 1)
            #expect(try await Self.post(client, agentID, Self.update(5, text: "anyone?"), secret: newSecret).status == .notFound)
            #expect(try await store.secretList(tenantID: Tenant.defaultID, agentID: agentID).isEmpty)
            #expect(try await store.botDeploymentGet(agentID: agentID) == nil)
            let after = try await Self.send(client, .get, "/metrics").text
            #expect(!after.contains("agent_id=\"\(agentID)\",platform"), "a deleted bot's series go")
        }
    }

    @Test("bad input: a token getMe refuses leaves nothing; malformed updates, unknown bots, stickers; HANGAR_PUBLIC_URL unset")
    func badInput() async throws {
        try await Self.withBotServer { client, telegram, store in
            let refused = try await Self.deploy(client, token: "999:REVOKED")
            #expect(refused.status == .unprocessableContent && refused.json["field"] == "bot_token", "\(refused.text)")
            #expect(refused.json["detail"]?.stringValue?.contains("Telegram refused the bot token") == true)
            #expect(try await store.agentList(AgentListParams(tenantID: Tenant.defaultID)).isEmpty, "nothing is left behind")
            #expect(await telegram.calls("setWebhook").isEmpty)
            let garbled = try await Self.deploy(client, token: "not a token/../x")
            #expect(garbled.status == .unprocessableContent && garbled.json["field"] == "bot_token")
            let plain = try await Self.send(client, .post, "/api/v1/agents", json: ["name": "b", "kind": "bot", "model": "mock/echo"])
            #expect(plain.status == .unprocessableContent && plain.json["field"] == "kind", "a bot without a deployment is refused: \(plain.text)")
            #expect(plain.json["detail"]?.stringValue?.contains("/api/v1/agents/deploy") == true)
            let discord = try await Self.send(client, .post, "/agents/deploy", json: ["name": "d", "platform": "discord", "bot_token": "1:a", "model": "mock/echo"])
            #expect(discord.status == .unprocessableContent && discord.json["field"] == "platform")

            let deployed = try await Self.deploy(client)
            let agentID = try #require(deployed.json["id"]?.stringValue, "\(deployed.text)")
            let secret = try await Self.secret(telegram)
            var headers: HTTPFields = [HTTPField.Name("X-Telegram-Bot-Api-Secret-Token")!: secret, .contentType: "application/json"]
            let notJSON = try await client.execute(uri: "/webhook/\(agentID)", method: .post, headers: headers, body: ByteBuffer(string: "{not json"))
            #expect(notJSON.status == .badRequest)
            let noID = try await Self.post(client, agentID, ["message": ["text": "hi"]], secret: secret)
            #expect(noID.status == .badRequest && noID.json["detail"]?.stringValue?.contains("update_id") == true, "\(noID.text)")
            #expect(noID.json["status_code"] == 400)
            let noChat = try await Self.post(client, agentID, ["update_id": 5, "message": ["text": "hi"]], secret: secret)
            #expect(noChat.status == .badRequest)
            let sticker = try await Self.post(client, agentID, Self.update(6, text: nil), secret: secret)
            #expect(sticker.status == .ok && sticker.json["ignored"] == true)
            let unknown = try await Self.post(client, "no-such-agent", Self.update(7, text: "hi"), secret: secret)
            #expect(unknown.status == .notFound && unknown.json["status_code"] == 404)
            headers[.contentType] = "application/json"
            let huge = try await client.execute(
                uri: "/webhook/\(agentID)", method: .post, headers: headers, body: ByteBuffer(string: String(repeating: " ", count: 300_000)))
            #expect(huge.status == .contentTooLarge)
            #expect(try await store.taskList(TaskListParams(tenantID: nil)).isEmpty, "none of these became a task")
        }
        try await Self.withBotServer(publicURL: nil) { client, telegram, store in
            let refused = try await Self.deploy(client)
            #expect(refused.status == .conflict && refused.json["detail"]?.stringValue?.contains("HANGAR_PUBLIC_URL") == true, "\(refused.text)")
            #expect(await telegram.calls.isEmpty)
            #expect(try await store.agentList(AgentListParams(tenantID: Tenant.defaultID)).isEmpty)
        }
    }

    @Test("Telegram's limits: a long reply is split, unparsable Markdown goes as plain text, 429 waits retry_after, a revoked token is an error state")
    func platformBehaviour() async throws {
        try await Self.withBotServer { client, telegram, store in
            let deployed = try await Self.deploy(client)
            let agentID = try #require(deployed.json["id"]?.stringValue, "\(deployed.text)")
            let secret = try await Self.secret(telegram)

            // 9,000 characters of sentences: three messages, cut at sentence ends, nothing lost.
            let sentence = "This sentence is part of a long answer. "
            let long = String(String(repeating: sentence, count: 225).dropLast())
            _ = try await Self.post(client, agentID, Self.update(1, text: long), secret: secret)
            #expect(await eventually { await telegram.delivered.count == 3 })
            let pieces = await telegram.delivered.compactMap { $0.body["text"]?.stringValue }
            #expect(pieces.allSatisfy { $0.utf16.count <= 4096 && $0.hasSuffix(".") }, "\(pieces.map(\.count))")
            #expect(pieces.joined(separator: " ") == long)

            // An odd `*`: Telegram cannot parse it as Markdown; the same text goes again as plain text.
            _ = try await Self.post(client, agentID, Self.update(2, text: "2 * 3 = 6"), secret: secret)
            #expect(await eventually { await telegram.delivered.count == 4 })
            let plain = try #require(await telegram.delivered.last?.body)
            #expect(plain["text"] == "2 * 3 = 6" && plain.objectValue?.keys.contains("parse_mode") == false)

            // 429 with retry_after: 1 — the reply waits a second and goes once.
            await telegram.fail("sendMessage", with: [.tooManyRequests(retryAfter: 1)])
            let started = ContinuousClock.now
            _ = try await Self.post(client, agentID, Self.update(3, text: "rate limited"), secret: secret)
            #expect(await eventually { await telegram.delivered.count == 5 })
            #expect(ContinuousClock.now - started >= .seconds(1))
            #expect(await telegram.calls("sendMessage").filter { $0.body["text"] == "rate limited" }.map(\.status) == [429, 200])

            // 5xx is retried with backoff.
            await telegram.fail("sendMessage", with: [.serverError, .serverError])
            _ = try await Self.post(client, agentID, Self.update(4, text: "flaky"), secret: secret)
            #expect(await eventually { await telegram.delivered.count == 6 })

            // A revoked token: the deployment is in error with the reason; a restart after it is valid again clears it.
            await telegram.revoke(Self.token)
            let accepted = try await Self.post(client, agentID, Self.update(5, text: "anyone?"), secret: secret)
            let taskID = try #require(accepted.json["task_id"]?.stringValue)
            #expect(try await eventually { try await store.taskGet(tenantID: nil, id: taskID)?.status == .failed })
            let failed = try await Self.send(client, .get, "/api/v1/agents/\(agentID)")
            #expect(failed.json["deployment"]?["status"] == "error", "\(failed.text)")
            #expect(failed.json["deployment"]?["last_error"]?.stringValue?.contains("refused the bot token") == true)
            let stillRevoked = try await Self.send(client, .post, "/api/v1/agents/\(agentID)/restart")
            #expect(stillRevoked.status == .badGateway)
            await telegram.allow(Self.token)
            let restarted = try await Self.send(client, .post, "/api/v1/agents/\(agentID)/restart")
            #expect(restarted.status == .ok && restarted.json["deployment"]?["status"] == "running" && restarted.json["deployment"]?["last_error"] == JSONValue.null)
            #expect(await telegram.delivered.count == 6)
        }
    }

    @Test("a model failure is retried: the reply comes once, and the chat's session holds the user's message once")
    func retriedAnswer() async throws {
        try await Self.withBotServer { client, telegram, store in
            // The mock fails the first attempt of each task (retryable), then answers.
            let deployed = try await Self.deploy(client, name: "flaky", config: ["fail_times": 1])
            let agentID = try #require(deployed.json["id"]?.stringValue, "\(deployed.text)")
            let secret = try await Self.secret(telegram)
            let accepted = try await Self.post(client, agentID, Self.update(1, text: "are you there?"), secret: secret)
            let taskID = try #require(accepted.json["task_id"]?.stringValue, "\(accepted.text)")
            #expect(try await eventually(timeout: .seconds(15)) { try await store.taskGet(tenantID: nil, id: taskID)?.status == .completed })
            #expect(try await store.taskGet(tenantID: nil, id: taskID)?.attempts == 2)
            #expect(await telegram.delivered.compactMap { $0.body["text"]?.stringValue } == ["are you there?"])
            let sessions = try await Self.send(client, .get, "/api/v1/chat/sessions")
            let sessionID = try #require(sessions.json.arrayValue?.first?["id"]?.stringValue, "\(sessions.text)")
            let messages = try await Self.send(client, .get, "/api/v1/chat/sessions/\(sessionID)/messages")
            #expect(messages.json.arrayValue?.map { $0["role"]?.stringValue ?? "" } == ["user", "assistant"], "\(messages.text)")
        }
    }
}
