import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import Testing

@Suite("Store conformance: bot deployments and their chats")
struct BotStoreTests {
    static func deployment(_ agentID: String, tenant: String = "acme") -> BotDeployment {
        let now = Date()
        return BotDeployment(
            agentID: agentID, tenantID: tenant, platform: "telegram", webhookURL: "https://h.example/webhook/\(agentID)", botUsername: "b",
            secretTokenHash: String(repeating: "a", count: 64), createdAt: now, updatedAt: now)
    }

    @Test("insert once, read by agent id alone, update the state, count, delete with the chats", arguments: TestBackend.allCases)
    func lifecycle(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            try await store.botDeploymentInsert(Self.deployment("a1"))
            await #expect(throws: HangarError.conflict("agent 'a1' is deployed already")) { try await store.botDeploymentInsert(Self.deployment("a1")) }
            let read = try #require(try await store.botDeploymentGet(agentID: "a1"))
            #expect(read.status == .deploying && read.tenantID == "acme" && read.messagesIn == 0 && read.repliesOut == 0 && read.lastActivityAt == nil)
            #expect(read.webhookURL == "https://h.example/webhook/a1" && read.botUsername == "b" && read.secretTokenHash.count == 64)
            #expect(try await store.botDeploymentGet(agentID: "nobody") == nil)

            var changed = read
            changed.status = .error
            changed.lastError = "Telegram refused the bot token"
            changed.secretTokenHash = String(repeating: "b", count: 64)
            changed.messagesIn = 99  // counters are not written by an update
            let updated = try #require(try await store.botDeploymentUpdate(changed))
            #expect(updated.status == .error && updated.lastError == "Telegram refused the bot token" && updated.messagesIn == 0)
            #expect(updated.secretTokenHash == String(repeating: "b", count: 64) && updated.updatedAt >= read.updatedAt)
            #expect(try await store.botDeploymentUpdate(Self.deployment("nobody")) == nil)

            let when = Date()
            try await store.botDeploymentCount(agentID: "a1", messagesIn: 2, repliesOut: 0, at: when)
            try await store.botDeploymentCount(agentID: "a1", messagesIn: 0, repliesOut: 3, at: when.addingTimeInterval(-60))
            let counted = try #require(try await store.botDeploymentGet(agentID: "a1"))
            #expect(counted.messagesIn == 2 && counted.repliesOut == 3)
            #expect(abs((counted.lastActivityAt?.timeIntervalSince1970 ?? 0) - when.timeIntervalSince1970) < 0.01, "the latest activity stays")

            // The first mapping of a chat wins.
            #expect(try await store.botChatSessionGet(agentID: "a1", chatKey: "42") == nil)
            #expect(try await store.botChatSessionSet(agentID: "a1", chatKey: "42", sessionID: "s1") == "s1")
            #expect(try await store.botChatSessionSet(agentID: "a1", chatKey: "42", sessionID: "s2") == "s1")
            #expect(try await store.botChatSessionSet(agentID: "a1", chatKey: "43", sessionID: "s3") == "s3")
            #expect(try await store.botChatSessionGet(agentID: "a1", chatKey: "42") == "s1")

            #expect(try await store.botDeploymentDelete(agentID: "a1"))
            #expect(try await store.botDeploymentDelete(agentID: "a1") == false)
            #expect(try await store.botDeploymentGet(agentID: "a1") == nil)
            #expect(try await store.botChatSessionGet(agentID: "a1", chatKey: "42") == nil, "a deleted bot's chats go with it")
        }
    }
}
