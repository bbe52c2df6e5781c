import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import Testing

@Suite("Store conformance: chat sessions")
struct ChatStoreTests {
    @Test("sessions are per tenant, listed newest first with filters, change status and are deleted with their messages",
        arguments: TestBackend.allCases)
    func sessions(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            // setup
            let first = try await store.chatSessionInsert(
                ChatSessionInsertParams(
                    tenantID: "acme", agentID: "agent-1", title: "Email agent", sessionType: "agent_creation", model: "mock/echo",
                    systemPrompt: "You help.", config: ["template": "agent_creation", "context_tokens": 512], createdBy: "key:k1"))
            let second = try await store.chatSessionInsert(ChatSessionInsertParams(tenantID: "acme", model: "mock/echo", createdBy: "local"))
            _ = try await store.chatSessionInsert(ChatSessionInsertParams(tenantID: "globex", model: "mock/echo", createdBy: "key:g"))

            // validate
            let read = try #require(try await store.chatSessionGet(tenantID: "acme", id: first.id))
            #expect(read.title == "Email agent" && read.sessionType == "agent_creation" && read.agentID == "agent-1")
            #expect(read.systemPrompt == "You help." && read.config["context_tokens"] == 512 && read.createdBy == "key:k1")
            #expect(read.status == .active && read.messageCount == 0 && read.lastMessageAt == nil)
            #expect(try await store.chatSessionGet(tenantID: "globex", id: first.id) == nil, "tenants are apart")

            let all = try await store.chatSessionList(ChatSessionListParams(tenantID: "acme"))
            #expect(all.sessions.map(\.id) == [second.id, first.id] && all.total == 2)
            let typed = try await store.chatSessionList(ChatSessionListParams(tenantID: "acme", sessionType: "agent_creation"))
            #expect(typed.sessions.map(\.id) == [first.id] && typed.total == 1)
            let paged = try await store.chatSessionList(ChatSessionListParams(tenantID: "acme", limit: 1, offset: 1))
            #expect(paged.sessions.map(\.id) == [first.id] && paged.total == 2)

            let archived = try #require(try await store.chatSessionUpdateStatus(tenantID: "acme", id: second.id, status: .archived))
            #expect(archived.status == .archived)
            #expect(try await store.chatSessionUpdateStatus(tenantID: "globex", id: second.id, status: .active) == nil)
            let active = try await store.chatSessionList(ChatSessionListParams(tenantID: "acme", status: .active))
            #expect(active.sessions.map(\.id) == [first.id])

            _ = try await store.chatMessageAppend(ChatMessageAppendParams(tenantID: "acme", sessionID: first.id, role: "user", content: "hi"))
            #expect(try await store.chatSessionDelete(tenantID: "globex", id: first.id) == false)
            #expect(try await store.chatSessionDelete(tenantID: "acme", id: first.id))
            #expect(try await store.chatSessionGet(tenantID: "acme", id: first.id) == nil)
            #expect(try await store.chatMessageList(ChatMessageListParams(tenantID: "acme", sessionID: first.id)).isEmpty)
            #expect(try await store.chatSessionDelete(tenantID: "acme", id: first.id) == false)
        }
    }

    @Test("messages are numbered per session, paged oldest first, and refused by an inactive session when asked",
        arguments: TestBackend.allCases)
    func messages(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let session = try await store.chatSessionInsert(ChatSessionInsertParams(tenantID: "acme", model: "mock/echo", createdBy: "local"))
            let user = try await store.chatMessageAppend(
                ChatMessageAppendParams(tenantID: "acme", sessionID: session.id, role: "user", content: "look", images: ["aGVsbG8="], requireActive: true))
            #expect(user.seq == 1 && user.images == ["aGVsbG8="] && user.promptTokens == nil && user.metrics == nil)
            let reply = try await store.chatMessageAppend(
                ChatMessageAppendParams(
                    tenantID: "acme", sessionID: session.id, role: "assistant", content: "a cat", model: "mock/echo", promptTokens: 3,
                    completionTokens: 2, costUSD: 0.001, metrics: ["response_time_seconds": 0.5, "load_time_seconds": nil]))
            #expect(reply.seq == 2)
            for n in 3...6 {
                _ = try await store.chatMessageAppend(ChatMessageAppendParams(tenantID: "acme", sessionID: session.id, role: "user", content: "m\(n)"))
            }

            let all = try await store.chatMessageList(ChatMessageListParams(tenantID: "acme", sessionID: session.id))
            #expect(all.map(\.seq) == [1, 2, 3, 4, 5, 6])
            let stored = all[1]
            #expect(stored.role == "assistant" && stored.model == "mock/echo" && stored.promptTokens == 3 && stored.completionTokens == 2)
            #expect(stored.costUSD == 0.001 && stored.metrics == ["response_time_seconds": 0.5, "load_time_seconds": nil])
            #expect(all[0].images == ["aGVsbG8="])
            #expect(try await store.chatMessageList(ChatMessageListParams(tenantID: "acme", sessionID: session.id, limit: 2)).map(\.seq) == [5, 6])
            #expect(try await store.chatMessageList(ChatMessageListParams(tenantID: "acme", sessionID: session.id, beforeSeq: 4, limit: 2)).map(\.seq) == [2, 3])
            #expect(try await store.chatMessageList(ChatMessageListParams(tenantID: "acme", sessionID: session.id, afterSeq: 2, limit: 3)).map(\.seq) == [3, 4, 5])
            #expect(try await store.chatMessageList(ChatMessageListParams(tenantID: "globex", sessionID: session.id)).isEmpty)

            let counted = try #require(try await store.chatSessionGet(tenantID: "acme", id: session.id))
            #expect(counted.messageCount == 6 && counted.lastMessageAt != nil)

            _ = try await store.chatSessionUpdateStatus(tenantID: "acme", id: session.id, status: .paused)
            await #expect(throws: HangarError.self) {
                _ = try await store.chatMessageAppend(
                    ChatMessageAppendParams(tenantID: "acme", sessionID: session.id, role: "user", content: "late", requireActive: true))
            }
            // A reply to a message accepted earlier is still kept.
            #expect(try await store.chatMessageAppend(ChatMessageAppendParams(tenantID: "acme", sessionID: session.id, role: "assistant", content: "ok")).seq == 7)
            await #expect(throws: HangarError.self) {
                _ = try await store.chatMessageAppend(ChatMessageAppendParams(tenantID: "globex", sessionID: session.id, role: "user", content: "x"))
            }
        }
    }

    @Test("concurrent appends get distinct, gapless numbers", arguments: TestBackend.allCases)
    func concurrentAppends(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let session = try await store.chatSessionInsert(ChatSessionInsertParams(tenantID: "acme", model: "mock/echo", createdBy: "local"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<20 {
                    group.addTask {
                        _ = try await store.chatMessageAppend(ChatMessageAppendParams(tenantID: "acme", sessionID: session.id, role: "user", content: "\(n)"))
                    }
                }
                try await group.waitForAll()
            }
            let messages = try await store.chatMessageList(ChatMessageListParams(tenantID: "acme", sessionID: session.id, limit: 100))
            #expect(messages.map(\.seq) == Array(1...20))
        }
    }
}
