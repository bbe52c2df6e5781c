import Foundation
import HangarCore
import HangarServer
import HangarWebhooks
import HangarTestSupport
import NIOHTTP1
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Processes: webhooks", .serialized)
struct WebhookProcessTests {
    @Test("a callback whose receiver is down survives a restart of Hangar and arrives once, signed")
    func deliveryAcrossRestart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-hooks-\(Identifier.leaseToken())").path
        let port = try freePort()
        let receiverPort = try freePort()
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let environment = [
            "HANGAR_ALLOW_PRIVATE_NETWORKS": "true", "HANGAR_WEBHOOK_SECRET": secret, "HANGAR_WEBHOOK_RETRY_SCHEDULE": "300ms",
        ]
        let server = try HangarProcess(["serve", "--data-dir", dir, "--workers", "2"], port: port, environment: environment)
        try await server.waitUntilReady()
        let base = server.baseURL
        #expect(try await HTTP.send(.POST, base + "/api/v1/agents", json: ["name": "echo", "model": "mock/echo"]).status == 201)
        let reply = try await HTTP.send(
            .POST, base + "/api/v1/tasks",
            json: ["agent_id": "echo", "input": ["prompt": "hi"], "callback_url": .string("http://127.0.0.1:\(receiverPort)/cb")])
        let taskID = try #require(reply.json["id"]?.stringValue)
        // The receiver is down: the delivery waits with failed attempts.
        #expect(await eventually(timeout: .seconds(20)) {
            let deliveries = try? await HTTP.send(.GET, base + "/api/v1/tasks/\(taskID)/deliveries")
            let first = deliveries?.json["deliveries"]?.arrayValue?.first
            return first?["status"] == "pending" && (first?["attempts"]?.arrayValue?.count ?? 0) >= 1
        })
        server.kill(SIGTERM)
        #expect(server.process.terminationStatus == 0, "graceful exit:\n\(server.output)")

        let receiver = WebhookReceiver()
        try await receiver.run(port: receiverPort) { _ in
            let restarted = try HangarProcess(["serve", "--data-dir", dir, "--workers", "2"], port: port, environment: environment)
            try await restarted.waitUntilReady()
            #expect(await eventually(timeout: .seconds(20)) { await receiver.accepted.count >= 1 })
            try await Task.sleep(for: .seconds(1))
            let deliveries = try await HTTP.send(.GET, base + "/api/v1/tasks/\(taskID)/deliveries")
            let first = deliveries.json["deliveries"]?.arrayValue?.first
            #expect(first?["status"] == "delivered")
            #expect((first?["attempts"]?.arrayValue?.count ?? 0) >= 2)
            restarted.stop()
        }
        let received = await receiver.received
        #expect(received.count == 1)
        let delivery = try #require(received.first)
        let timestamp = try #require(delivery.timestamp.flatMap(Int.init))
        #expect(delivery.signature == WebhookSignature.sign(secret: secret, id: delivery.id ?? "", timestamp: timestamp, body: delivery.body))
        #expect(try JSONText.decode(bytes: delivery.body)["id"]?.stringValue == taskID)
    }
}
