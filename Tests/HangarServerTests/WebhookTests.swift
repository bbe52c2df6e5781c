import AsyncHTTPClient
import Foundation
import HangarAgents
import HangarAuth
import HangarCore
import HangarServer
import HangarWebhooks
import HangarStore
import HangarTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@Suite("Webhooks: signing, subscriptions, delivery")
struct WebhookTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    @Test("the Standard Webhooks test vector signs exactly")
    func vector() {
        let signature = WebhookSignature.sign(
            secret: Self.secret, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(WebhookSignature.isValidSecret(WebhookSignature.generateSecret()))
        #expect(!WebhookSignature.isValidSecret("whsec_"))
        #expect(!WebhookSignature.isValidSecret("hunter2"))
        // Seed 004's secret: any text of at least 16 characters is an HMAC key.
        #expect(WebhookSignature.isValidSecret("webhook-secret-123"))
        #expect(!WebhookSignature.isValidSecret("whsec_not base64!"))
    }

    static var privateAllowed: SecurityPolicy {
        var policy = SecurityPolicy.moderate
        policy.network.allowPrivateNetworks = true
        return policy
    }

    @Test("subscribing to a loopback URL is refused unless private networks are allowed; secrets are shown once")
    func subscribe() async throws {
        try await withAPI(workers: false) { client, _ in
            let refused = try await client.send(
                .post, "/api/v1/integration/webhooks/subscribe", json: ["url": "http://127.0.0.1/hook", "events": ["task.completed"]])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("url"))
            let metadata = try await client.send(
                .post, "/api/v1/integration/webhooks/subscribe", json: ["url": "http://169.254.169.254/latest", "events": ["task.completed"]])
            #expect(metadata.status == .unprocessableContent)
        }
        try await withAPI(workers: false, security: Self.privateAllowed) { client, _ in
            // Seed 004's body, as written: a plain-text secret of 18 characters.
            let seed = try await client.send(
                .post, "/api/v1/integration/webhooks/subscribe",
                json: ["url": "http://127.0.0.1/seed-hook", "events": ["task.completed", "task.failed"], "secret": "webhook-secret-123"])
            #expect(seed.status == .created, "\(seed.text)")
            let short = try await client.send(
                .post, "/api/v1/integration/webhooks/subscribe", json: ["url": "http://127.0.0.1/hook", "events": ["task.completed"], "secret": "hunter2"])
            #expect(short.status == .unprocessableContent && short.json["field"] == "secret", "\(short.text)")
        }
        try await withAPI(workers: false, security: Self.privateAllowed) { client, store in
            let bad = try await client.send(
                .post, "/api/v1/integration/webhooks/subscribe", json: ["url": "http://127.0.0.1/hook", "events": ["task.exploded"]])
            #expect(bad.status == .unprocessableContent && bad.text.contains("events"))
            let created = try await client.send(
                .post, "/api/v1/integration/webhooks/subscribe", json: ["url": "http://127.0.0.1/hook", "events": ["task.completed", "task.failed"]])
            #expect(created.status == .created)
            let secret = try #require(created.json["secret"]?.stringValue)
            #expect(WebhookSignature.isValidSecret(secret))
            let id = try #require(created.json["id"]?.stringValue)
            let listed = try await client.send(.get, "/api/v1/integration/webhooks")
            #expect(listed.json.arrayValue?.map { $0["id"]?.stringValue } == [id])
            #expect(!listed.text.contains(secret) && !listed.text.contains("\"secret\""))
            // Sealed at rest, like agent secrets: the database never holds the plaintext.
            let stored = try #require(try await store.webhookSubscriptionList(tenantID: Tenant.defaultID).first?.secret)
            #expect(stored != secret && !stored.contains(secret) && SecretBox.isSealed(stored))
            #expect(try SecretBox.testing.openText(stored) == secret)
            #expect(try await client.send(.delete, "/api/v1/integration/webhooks/\(id)").status == .ok)
            #expect(try await client.send(.delete, "/api/v1/integration/webhooks/\(id)").status == .notFound)
        }
    }

    /// Runs a dispatcher with a short schedule for the duration of `body`.
    static func withDispatcher(
        _ store: any HangarStore, callbackSecret: String? = secret, privateNetworks: Bool = true, timeout: Duration = .seconds(5),
        resolve: @escaping @Sendable (String) -> [String] = NetworkPolicy.resolve,
        _ body: () async throws -> Void
    ) async throws {
        var logger = Logger(label: "test.webhooks")
        logger.logLevel = .warning
        let dispatcher = WebhookDispatcher(
            store: store, render: WebhookPayload.data,
            configuration: .init(
                schedule: [.milliseconds(150)], jitter: 0, timeout: timeout, pollInterval: .milliseconds(100), allowPrivateNetworks: privateNetworks,
                callbackSecret: callbackSecret),
            logger: logger, vault: .testing, resolve: resolve)
        let task = Task { try await dispatcher.run() }
        do {
            try await body()
        } catch {
            task.cancel()
            _ = await task.result
            throw error
        }
        task.cancel()
        _ = await task.result
    }

    static func verify(_ received: WebhookReceiver.Received, secret: String) -> Bool {
        guard let id = received.id, let timestamp = received.timestamp.flatMap(Int.init), let signature = received.signature else { return false }
        return WebhookSignature.sign(secret: secret, id: id, timestamp: timestamp, body: received.body) == signature
    }

    @Test("a receiver that accepts and never answers holds only its own slots; its deliveries fail with a timeout and are retried")
    func stalledReceiver() async throws {
        let stalled = try await StallingServer()
        let receiver = WebhookReceiver()
        try await receiver.run { base in
            try await withAPI(.sqlite, security: Self.privateAllowed) { client, store in
                // setup: the hung agent's completions go to a receiver that never answers
                let hung = try await client.agent(["name": "hung", "kind": "llm", "model": "mock/echo"])
                let healthy = try await client.agent(["name": "healthy", "kind": "llm", "model": "mock/echo"])
                let subscription = try await client.send(
                    .post, "/api/v1/integration/webhooks/subscribe",
                    json: ["url": .string(stalled.url + "/hook"), "events": ["task.completed"], "agent_id": hung["id"]!])
                #expect(subscription.status == .created)

                try await Self.withDispatcher(store, timeout: .seconds(4)) {
                    var hungTasks: [String] = []
                    for _ in 0..<2 {
                        let submitted = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": hung["id"]!, "input": ["prompt": "x"]])
                        hungTasks.append(try #require(submitted.json["id"]?.stringValue))
                    }
                    for id in hungTasks { _ = try await client.finished(id) }
                    #expect(await eventually(timeout: .seconds(10)) { stalled.accepted >= 1 })

                    // act: callbacks of the healthy agent come due while the stall lasts
                    var latencies: [Duration] = []
                    for index in 0..<5 {
                        let submitted = try await client.send(
                            .post, "/api/v1/tasks",
                            json: ["agent_id": healthy["id"]!, "input": ["prompt": "y"], "callback_url": .string(base + "/cb\(index)")])
                        _ = try await client.finished(try #require(submitted.json["id"]?.stringValue))
                        let done = ContinuousClock.now
                        #expect(await eventually(timeout: .seconds(15)) { await receiver.accepted.contains { $0.path == "/cb\(index)" } })
                        latencies.append(ContinuousClock.now - done)
                    }

                    // validate: before, each claimed batch waited for its slowest attempt, so a
                    // callback due during a stall waited for the stall's timeout (up to 4 s).
                    #expect(latencies.max()! < .seconds(2), "callback latencies \(latencies)")
                    _ = await eventually(timeout: .seconds(15)) {
                        let deliveries = (try? await store.webhookDeliveryList(tenantID: Tenant.defaultID, taskID: hungTasks[0])) ?? []
                        return (deliveries.first?.attempts.count ?? 0) >= 2
                    }
                    let attempts = try await store.webhookDeliveryList(tenantID: Tenant.defaultID, taskID: hungTasks[0]).first?.attempts ?? []
                    #expect(attempts.count >= 2)
                    #expect(attempts.allSatisfy { $0.statusCode == nil && $0.error == "the receiver did not answer within 4 s (HANGAR_WEBHOOK_TIMEOUT)" }, "\(attempts.map(\.error))")
                    #expect(attempts.allSatisfy { $0.durationMS >= 3500 && $0.durationMS < 8000 }, "each attempt waited for its timeout: \(attempts)")
                    #expect(try await store.webhookDeliveryList(tenantID: Tenant.defaultID, taskID: hungTasks[0]).first?.status == .pending, "retried, not given up")
                }
            }
        }
        await stalled.stop()
    }

    @Test("a failing receiver gets every delivery exactly once, signed, with the same id across retries", arguments: TestBackend.allCases)
    func retries(_ backend: TestBackend) async throws {
        let receiver = WebhookReceiver(failFirst: 3)
        try await receiver.run { base in
            try await withAPI(backend, security: Self.privateAllowed) { client, store in
                let agent = try await client.agent(["name": "hooked", "kind": "llm", "model": "mock/echo"])
                let agentID = try #require(agent["id"]?.stringValue)
                let other = try await client.agent(["name": "other", "kind": "llm", "model": "mock/echo"])
                let subscription = try await client.send(
                    .post, "/api/v1/integration/webhooks/subscribe",
                    json: ["url": .string(base + "/sub"), "events": ["task.completed"], "secret": .string(Self.secret), "agent_id": .string(agentID)])
                #expect(subscription.status == .created)
                let failedOnly = try await client.send(
                    .post, "/api/v1/integration/webhooks/subscribe", json: ["url": .string(base + "/failed"), "events": ["task.failed"]])
                #expect(failedOnly.status == .created)

                try await Self.withDispatcher(store) {
                    let submitted = try await client.send(
                        .post, "/api/v1/tasks", json: ["agent_id": .string(agentID), "input": ["prompt": "hi"], "callback_url": .string(base + "/cb")])
                    let taskID = try #require(submitted.json["id"]?.stringValue)
                    // Another agent's task: no subscription wants it, and it has no callback.
                    let otherTask = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": other["id"]!, "input": ["prompt": "x"]])
                    _ = try await client.finished(taskID)
                    _ = try await client.finished(try #require(otherTask.json["id"]?.stringValue))
                    #expect(await eventually(timeout: .seconds(30)) { await receiver.accepted.count >= 2 })
                    try await Task.sleep(for: .milliseconds(500))

                    let received = await receiver.received
                    let accepted = received.filter { $0.status == 200 }
                    #expect(accepted.count == 2)
                    #expect(Set(accepted.map(\.path)) == ["/cb", "/sub"])
                    #expect(received.count == 5)
                    #expect(Set(accepted.compactMap(\.id)).count == 2)
                    for request in received {
                        #expect(Self.verify(request, secret: Self.secret), "signature of \(request.path)")
                        // Retries carry the id of their delivery.
                        #expect(accepted.contains { $0.path == request.path && $0.id == request.id })
                    }
                    let callback = try #require(accepted.first { $0.path == "/cb" })
                    let bare = try JSONText.decode(bytes: callback.body)
                    #expect(bare["id"]?.stringValue == taskID && bare["status"] == "completed")
                    let sub = try #require(accepted.first { $0.path == "/sub" })
                    let envelope = try JSONText.decode(bytes: sub.body)
                    #expect(envelope["type"] == "task.completed" && envelope["data"]?["id"]?.stringValue == taskID)
                    #expect(envelope["event"] == "task.completed", "seed 004's receiver reads `event`")
                    #expect(envelope["timestamp"]?.stringValue.flatMap(Timestamp.parse) != nil)

                    let deliveries = try await client.send(.get, "/api/v1/tasks/\(taskID)/deliveries")
                    #expect(deliveries.status == .ok)
                    let list = try #require(deliveries.json["deliveries"]?.arrayValue)
                    #expect(list.count == 2)
                    var failedAttempts = 0
                    for delivery in list {
                        #expect(delivery["status"] == "delivered")
                        let attempts = try #require(delivery["attempts"]?.arrayValue)
                        #expect(attempts.last?["status_code"] == 200)
                        #expect(attempts.last?["response_excerpt"] == "thanks")
                        failedAttempts += attempts.dropLast().filter { $0["status_code"] == 503 }.count
                    }
                    #expect(failedAttempts == 3)
                }
            }
        }
    }

    @Test("seed 004's subscription headers go with every delivery; their values are sealed and never shown; Hangar's own and hop-by-hop ones are refused", arguments: TestBackend.allCases)
    func subscriptionHeaders(_ backend: TestBackend) async throws {
        let receiver = WebhookReceiver()
        try await receiver.run { base in
            try await withAPI(backend, security: Self.privateAllowed) { client, store in
                _ = try await client.agent(["name": "hooked"])
                // Seed 004's body, with a task event (its workflow events come with workflows).
                let subscribed = try await client.send(
                    .post, "/api/v1/integration/webhooks/subscribe",
                    json: ["url": .string(base + "/webhook"), "events": ["task.completed"], "headers": ["Authorization": "Bearer token123", "X-Team": "ops"]])
                #expect(subscribed.status == .created, "\(subscribed.text)")
                #expect(subscribed.json["headers"] == ["Authorization", "X-Team"])
                #expect(!subscribed.text.contains("token123"))
                let listed = try await client.send(.get, "/api/v1/integration/webhooks")
                #expect(listed.json.arrayValue?.first?["headers"] == ["Authorization", "X-Team"] && !listed.text.contains("token123"))
                let stored = try #require(try await store.webhookSubscriptionList(tenantID: Tenant.defaultID).first?.headers)
                #expect(SecretBox.isSealed(stored) && !stored.contains("token123"), "sealed at rest")

                try await Self.withDispatcher(store) {
                    let task = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "hooked", "input": ["prompt": "hi"]])
                    _ = try await client.finished(try #require(task.json["id"]?.stringValue))
                    #expect(await eventually(timeout: .seconds(30)) { await receiver.accepted.count >= 1 })
                }
                let delivery = try #require(await receiver.accepted.first)
                #expect(delivery.headers["authorization"] == "Bearer token123" && delivery.headers["x-team"] == "ops", "\(delivery.headers)")
                #expect(delivery.headers["content-type"] == "application/json" && delivery.signature != nil, "Hangar's own headers stay")

                for (headers, field) in [
                    (["Host": "evil.example"], "headers.Host"), (["content-length": "0"], "headers.content-length"),
                    (["Webhook-Signature": "v1,forged"], "headers.Webhook-Signature"), (["Connection": "close"], "headers.Connection"),
                    (["X-Bad": "a\r\nX-Injected: 1"], "headers.X-Bad"), (["Bad Name": "x"], "headers.Bad Name"), (["X-Number": 1], "headers.X-Number"),
                ] as [(JSONValue, String)] {
                    let refused = try await client.send(
                        .post, "/api/v1/integration/webhooks/subscribe", json: ["url": .string(base + "/w"), "events": ["task.completed"], "headers": headers])
                    #expect(refused.status == .unprocessableContent && refused.json["field"] == .string(field), "\(headers): \(refused.text)")
                }
                let list: JSONValue = ["url": .string(base + "/w"), "events": ["task.completed"], "headers": ["X-A"]]
                #expect(try await client.send(.post, "/api/v1/integration/webhooks/subscribe", json: list).json["field"] == "headers")
                #expect(try await store.webhookSubscriptionList(tenantID: Tenant.defaultID).count == 1, "refusals store nothing")
            }
        }
    }

    @Test("task.started reaches its subscriber as the task was when it started, even when sent after it ended; callbacks hear only the end")
    func startedPayload() async throws {
        let receiver = WebhookReceiver()
        try await receiver.run { base in
            try await withAPI(security: Self.privateAllowed) { client, store in
                let agent = try await client.agent(["name": "hooked", "kind": "llm", "model": "mock/echo"])
                let started = try await client.send(
                    .post, "/api/v1/integration/webhooks/subscribe",
                    json: ["url": .string(base + "/started"), "events": ["task.started"], "secret": .string(Self.secret)])
                #expect(started.status == .created)
                let submitted = try await client.send(
                    .post, "/api/v1/tasks", json: ["agent_id": agent["id"]!, "input": ["prompt": "hi"], "callback_url": .string(base + "/cb")])
                let taskID = try #require(submitted.json["id"]?.stringValue)
                let finished = try await client.finished(taskID)
                #expect(finished["status"] == "completed")
                // The dispatcher starts only now: the started delivery is rendered after the task ended.
                try await Self.withDispatcher(store) {
                    #expect(await eventually(timeout: .seconds(30)) { await receiver.accepted.count >= 2 })
                }
                let accepted = await receiver.accepted
                #expect(accepted.map(\.path).sorted() == ["/cb", "/started"])
                let hook = try #require(accepted.first { $0.path == "/started" })
                #expect(Self.verify(hook, secret: Self.secret))
                let envelope = try JSONText.decode(bytes: hook.body)
                #expect(envelope["type"] == "task.started")
                #expect(envelope["data"]?["id"]?.stringValue == taskID)
                #expect(envelope["data"]?["status"] == "running" && envelope["data"]?["attempts"] == 1)
                #expect(envelope["data"]?["output"] == .null && envelope["data"]?["completed_at"] == .null)
                let callback = try JSONText.decode(bytes: try #require(accepted.first { $0.path == "/cb" }).body)
                #expect(callback["status"] == "completed")
                let deliveries = try await client.send(.get, "/api/v1/tasks/\(taskID)/deliveries")
                let list = try #require(deliveries.json["deliveries"]?.arrayValue)
                #expect(list.first { $0["event_type"] == "task.started" }?["task_attempt"] == 1)
                #expect(list.first { $0["event_type"] == "task.completed" }?["task_attempt"] == .null)
            }
        }
    }

    @Test("DNS rebinding: the delivery goes to the address the policy checked, never to a second lookup")
    func pinnedAddress() async throws {
        let receiver = WebhookReceiver()
        try await receiver.run { base in
            let port = try #require(URLComponents(string: base)?.port)
            // `rebind.test` exists only in this resolver: a client that resolved the name again
            // itself could not connect at all.
            let lookups = Mutex(0)
            let resolve: @Sendable (String) -> [String] = { host in
                lookups.withLock { $0 += 1 }
                return host == "rebind.test" ? ["127.0.0.1"] : []
            }
            try await withAPI(security: Self.privateAllowed) { client, store in
                let agent = try await client.agent(["name": "pinned", "kind": "llm", "model": "mock/echo"])
                try await Self.withDispatcher(store, resolve: resolve) {
                    let submitted = try await client.send(
                        .post, "/api/v1/tasks", json: ["agent_id": agent["id"]!, "input": ["prompt": "hi"], "callback_url": .string("http://rebind.test:\(port)/cb")])
                    #expect(submitted.status == .created, "\(submitted.text)")
                    #expect(await eventually(timeout: .seconds(20)) { await receiver.accepted.count == 1 })
                }
            }
            let delivered = try #require(await receiver.accepted.first)
            #expect(delivered.path == "/cb" && delivered.host == "rebind.test:\(port)")
            #expect(lookups.withLock { $0 } >= 1)
        }
        // The same name resolving inside the network, with private networks refused: no attempt connects.
        let refused = WebhookReceiver()
        try await refused.run { base in
            let port = try #require(URLComponents(string: base)?.port)
            try await withAPI(security: .moderate) { client, store in
                let agent = try await client.agent(["name": "pinned", "kind": "llm", "model": "mock/echo"])
                try await Self.withDispatcher(store, privateNetworks: false, resolve: { _ in ["127.0.0.1"] }) {
                    let submitted = try await client.send(
                        .post, "/api/v1/tasks", json: ["agent_id": agent["id"]!, "input": ["prompt": "hi"], "callback_url": .string("http://rebind.test:\(port)/cb")])
                    let taskID = try #require(submitted.json["id"]?.stringValue)
                    _ = try await client.finished(taskID)
                    #expect(await eventually(timeout: .seconds(10)) {
                        let deliveries = try? await client.send(.get, "/api/v1/tasks/\(taskID)/deliveries")
                        return deliveries?.text.contains("network policy") == true
                    })
                }
            }
            #expect(await refused.received.isEmpty)
        }
    }

    @Test("a receiver that is down, then starts, gets the delivery once; a deleted subscription's deliveries stop")
    func receiverDown() async throws {
        let port = try await WebhookReceiver.freePort()
        let base = "http://127.0.0.1:\(port)"
        try await withAPI(security: Self.privateAllowed) { client, store in
            let agent = try await client.agent(["name": "hooked", "kind": "llm", "model": "mock/echo"])
            let dropped = try await client.send(
                .post, "/api/v1/integration/webhooks/subscribe", json: ["url": .string(base + "/dropped"), "events": ["task.completed"]])
            let droppedID = try #require(dropped.json["id"]?.stringValue)
            try await Self.withDispatcher(store, callbackSecret: nil) {
                let submitted = try await client.send(
                    .post, "/api/v1/tasks", json: ["agent_id": agent["id"]!, "input": ["prompt": "hi"], "callback_url": .string(base + "/cb")])
                let taskID = try #require(submitted.json["id"]?.stringValue)
                _ = try await client.finished(taskID)
                // Down: attempts fail with an error and no status code.
                #expect(await eventually(timeout: .seconds(30)) {
                    let list = (try? await client.send(.get, "/api/v1/tasks/\(taskID)/deliveries").json["deliveries"]?.arrayValue) ?? []
                    return list.count == 2 && list.allSatisfy { ($0["attempts"]?.arrayValue?.count ?? 0) >= 2 }
                })
                let list = try await client.send(.get, "/api/v1/tasks/\(taskID)/deliveries").json["deliveries"]?.arrayValue ?? []
                #expect(list.allSatisfy { $0["status"] == "pending" && $0["next_attempt_at"]?.stringValue != nil })
                let firstAttempt = list.first?["attempts"]?.arrayValue?.first
                #expect(firstAttempt?["error"]?.stringValue != nil)
                #expect(firstAttempt?["status_code"] == .null)
                #expect(try await client.send(.delete, "/api/v1/integration/webhooks/\(droppedID)").status == .ok)

                let receiver = WebhookReceiver()
                try await receiver.run(port: port) { _ in
                    #expect(await eventually(timeout: .seconds(30)) { await receiver.accepted.count >= 1 })
                    try await Task.sleep(for: .milliseconds(600))
                }
                let received = await receiver.received
                #expect(received.map(\.path) == ["/cb"])
                // No HANGAR_WEBHOOK_SECRET: callback deliveries are not signed.
                #expect(received.first?.signature == nil && received.first?.id?.hasPrefix("msg_") == true)
                let afterResponse = try await client.send(.get, "/api/v1/tasks/\(taskID)/deliveries")
                let after = afterResponse.json["deliveries"]?.arrayValue ?? []
                if received.isEmpty { Issue.record("deliveries: \(afterResponse.text)") }
                #expect(after.first { $0["target"] == "callback_url" }?["status"] == "delivered")
                let droppedDelivery = after.first { $0["target"] == "subscription" }
                #expect(droppedDelivery?["status"] == "failed" && droppedDelivery?["error"] == "subscription deleted")
            }
        }
    }
}
