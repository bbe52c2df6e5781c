import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import Testing

@Suite("Store conformance: tenants, API keys, audit log")
struct IdentityStoreTests {
    @Test("tenants are created once, renamed by a second upsert, listed oldest first", arguments: TestBackend.allCases)
    func tenants(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            try await store.tenantUpsert(id: "globex", name: "Globex")
            try await store.tenantUpsert(id: "acme", name: "Acme Corp")
            let tenants = try await store.tenantList()
            #expect(tenants.map(\.id) == [Tenant.defaultID, "acme", "globex"])
            #expect(tenants.first { $0.id == "acme" }?.name == "Acme Corp")
        }
    }

    @Test("API keys: found by id in any tenant, listed per tenant, revoked once and only by their tenant, touched", arguments: TestBackend.allCases)
    func apiKeys(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let keys = [
                APIKey(id: "key-a", tenantID: Tenant.defaultID, name: "ci", role: .operator, secretHash: "hash-a", createdAt: start),
                APIKey(id: "key-b", tenantID: "acme", name: "ops", role: .admin, secretHash: "hash-b", createdAt: start + 1),
                APIKey(id: "key-c", tenantID: "acme", name: "dashboard", role: .viewer, secretHash: "hash-c", createdAt: start + 2),
            ]
            for key in keys { try await store.apiKeyInsert(key) }

            let found = try #require(try await store.apiKeyGet(id: "key-b"))
            #expect(found.tenantID == "acme")
            #expect(found.role == .admin)
            #expect(found.secretHash == "hash-b")
            #expect(found.lastUsedAt == nil && found.revokedAt == nil)
            #expect(try await store.apiKeyGet(id: "key-z") == nil)
            #expect(try await store.apiKeyList(tenantID: "acme").map(\.id) == ["key-b", "key-c"])
            #expect(try await store.apiKeyList(tenantID: nil).map(\.id) == ["key-a", "key-b", "key-c"])
            #expect(try await store.apiKeyCount() == 3)

            #expect(try await store.apiKeyRevoke(tenantID: Tenant.defaultID, id: "key-c") == false, "another tenant's key")
            #expect(try await store.apiKeyRevoke(tenantID: "acme", id: "key-c"))
            #expect(try await store.apiKeyRevoke(tenantID: "acme", id: "key-c") == false, "already revoked")
            #expect(try await store.apiKeyGet(id: "key-c")?.revokedAt != nil, "a revoked key is still found: the caller refuses it")
            #expect(try await store.apiKeyCount() == 2, "revoked keys do not count")

            let used = start + 3600
            try await store.apiKeyTouch(id: "key-a", at: used)
            let touched = try #require(try await store.apiKeyGet(id: "key-a")?.lastUsedAt)
            #expect(abs(touched.timeIntervalSince(used)) < 0.001)
        }
    }

    @Test("the audit log is per tenant, newest first, filtered by action and paged", arguments: TestBackend.allCases)
    func audit(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            for index in 0..<5 {
                try await store.auditAppend(
                    AuditEntry(
                        tenantID: Tenant.defaultID, actor: "key:admin", action: index.isMultiple(of: 2) ? "agent.create" : "key.revoke",
                        resourceType: "agent", resourceID: "agent-\(index)", details: ["index": .int(Int64(index))]))
            }
            try await store.auditAppend(
                AuditEntry(tenantID: "acme", actor: "key:other", action: "agent.create", resourceType: "agent", resourceID: nil))

            let all = try await store.auditList(tenantID: Tenant.defaultID, action: nil, limit: 10, offset: 0)
            #expect(all.map(\.resourceID) == ["agent-4", "agent-3", "agent-2", "agent-1", "agent-0"])
            #expect(all.first?.details == ["index": 4])
            #expect(all.first?.actor == "key:admin")
            let creates = try await store.auditList(tenantID: Tenant.defaultID, action: "agent.create", limit: 10, offset: 0)
            #expect(creates.map(\.resourceID) == ["agent-4", "agent-2", "agent-0"])
            let page = try await store.auditList(tenantID: Tenant.defaultID, action: nil, limit: 2, offset: 2)
            #expect(page.map(\.resourceID) == ["agent-2", "agent-1"])
            let other = try await store.auditList(tenantID: "acme", action: nil, limit: 10, offset: 0)
            #expect(other.count == 1)
            #expect(other.first?.resourceID == nil)
        }
    }
}

@Suite("Store conformance: agent secrets")
struct SecretStoreTests {
    func secret(_ agent: Agent, key: String, id: String, ciphertext: String = "sealed") -> AgentSecret {
        AgentSecret(
            id: id, tenantID: agent.tenantID, agentID: agent.id, key: key, description: "for \(key)", ciphertext: ciphertext, keyID: "k1",
            createdAt: Date(), updatedAt: Date())
    }

    @Test("one active secret per agent and key; found by id or key; updated; deactivated by its tenant only", arguments: TestBackend.allCases)
    func lifecycle(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let other = try await store.makeAgent()
            try await store.secretInsert(secret(agent, key: "OPENAI_API_KEY", id: "sec-1"))
            try await store.secretInsert(secret(agent, key: "GITHUB_TOKEN", id: "sec-2"))
            try await store.secretInsert(secret(other, key: "OPENAI_API_KEY", id: "sec-3"))
            await #expect(throws: HangarError.self) {
                try await store.secretInsert(secret(agent, key: "OPENAI_API_KEY", id: "sec-4"))
            }

            #expect(try await store.secretGet(tenantID: agent.tenantID, agentID: agent.id, idOrKey: "sec-1")?.key == "OPENAI_API_KEY")
            #expect(try await store.secretGet(tenantID: agent.tenantID, agentID: agent.id, idOrKey: "GITHUB_TOKEN")?.id == "sec-2")
            #expect(try await store.secretGet(tenantID: agent.tenantID, agentID: agent.id, idOrKey: "sec-3") == nil, "another agent's")
            #expect(try await store.secretGet(tenantID: "acme", agentID: agent.id, idOrKey: "sec-1") == nil, "another tenant")
            #expect(try await store.secretList(tenantID: agent.tenantID, agentID: agent.id).map(\.id) == ["sec-1", "sec-2"])

            try await store.secretUpdate(id: "sec-1", ciphertext: "resealed", keyID: "k2", description: nil)
            var updated = try #require(try await store.secretGet(tenantID: agent.tenantID, agentID: agent.id, idOrKey: "sec-1"))
            #expect(updated.ciphertext == "resealed" && updated.keyID == "k2")
            #expect(updated.description == "for OPENAI_API_KEY", "nil leaves the description")
            try await store.secretUpdate(id: "sec-1", ciphertext: nil, keyID: nil, description: .some(nil))
            updated = try #require(try await store.secretGet(tenantID: agent.tenantID, agentID: agent.id, idOrKey: "sec-1"))
            #expect(updated.description == nil, "an explicit nil clears it")
            #expect(updated.ciphertext == "resealed")

            #expect(try await store.secretDeactivate(tenantID: "acme", id: "sec-1") == false)
            #expect(try await store.secretDeactivate(tenantID: agent.tenantID, id: "sec-1"))
            #expect(try await store.secretDeactivate(tenantID: agent.tenantID, id: "sec-1") == false, "already inactive")
            #expect(try await store.secretGet(tenantID: agent.tenantID, agentID: agent.id, idOrKey: "OPENAI_API_KEY") == nil)
            #expect(try await store.secretGet(tenantID: agent.tenantID, agentID: agent.id, idOrKey: "sec-1")?.isActive == false)
            #expect(try await store.secretList(tenantID: agent.tenantID, agentID: agent.id).map(\.id) == ["sec-2"])
            // The key is free again; rotation still sees every row, active or not.
            try await store.secretInsert(secret(agent, key: "OPENAI_API_KEY", id: "sec-5"))
            #expect(try await store.secretGet(tenantID: agent.tenantID, agentID: agent.id, idOrKey: "OPENAI_API_KEY")?.id == "sec-5")
            #expect(Set(try await store.secretList(tenantID: nil, agentID: nil).map(\.id)) == ["sec-1", "sec-2", "sec-3", "sec-5"])
        }
    }
}

@Suite("Store conformance: quotas, counts, rate limits")
struct QuotaStoreTests {
    @Test("a tenant without a quota is unlimited; limits are set, replaced and the token count reset", arguments: TestBackend.allCases)
    func quotas(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            #expect(try await store.quotaGet(tenantID: "acme") == TenantQuota(tenantID: "acme"))
            let limits = TenantQuota(
                tenantID: "acme", maxConcurrentTasks: 4, maxTasksPerHour: 100, maxAgents: 3, maxCPU: 2.5, maxMemoryMB: 4096, maxGPU: 1,
                tokenBudget: 50_000)
            try await store.quotaSet(limits)
            #expect(try await store.quotaGet(tenantID: "acme") == limits)
            try await store.quotaSet(TenantQuota(tenantID: "acme", maxAgents: 5))
            #expect(try await store.quotaGet(tenantID: "acme") == TenantQuota(tenantID: "acme", maxAgents: 5), "a set replaces every limit")
            try await store.quotaTokensReset(tenantID: "acme")
            #expect(try await store.quotaGet(tenantID: "acme").tokensUsed == 0)
            #expect(try await store.quotaGet(tenantID: Tenant.defaultID) == TenantQuota(tenantID: Tenant.defaultID), "other tenants untouched")
        }
    }

    @Test("agent and hourly task counts are per tenant; deleted agents do not count", arguments: TestBackend.allCases)
    func counts(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            let mine = try await store.makeAgent()
            let gone = try await store.makeAgent()
            let theirs = try await store.makeAgent(tenantID: "acme")
            try await store.agentDelete(tenantID: gone.tenantID, id: gone.id)
            #expect(try await store.agentCount(tenantID: Tenant.defaultID) == 1)
            #expect(try await store.agentCount(tenantID: "acme") == 1)

            let before = Date().addingTimeInterval(-1)
            for _ in 0..<3 { try await store.submit(mine) }
            try await store.submit(theirs)
            #expect(try await store.taskCountSince(tenantID: Tenant.defaultID, since: before) == 3)
            #expect(try await store.taskCountSince(tenantID: "acme", since: before) == 1)
            #expect(try await store.taskCountSince(tenantID: Tenant.defaultID, since: Date().addingTimeInterval(60)) == 0)
        }
    }

    @Test("a bucket allows its capacity, then refuses with the wait for the next token; buckets are independent", arguments: TestBackend.allCases)
    func rateLimits(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            // One token per 100 s: nothing refills during the test.
            var decisions: [RateLimitDecision] = []
            for _ in 0..<4 { decisions.append(try await store.rateLimitTake(key: "caller:a", capacity: 3, refillPerSecond: 0.01)) }
            #expect(decisions.map(\.allowed) == [true, true, true, false])
            #expect(decisions.map(\.remaining) == [2, 1, 0, 0])
            #expect(decisions[0].retryAfter == 0)
            #expect(decisions[3].retryAfter > 90 && decisions[3].retryAfter <= 100)
            #expect(try await store.rateLimitTake(key: "caller:b", capacity: 3, refillPerSecond: 0.01).allowed, "another key")

            // A fast refill brings a token back.
            for _ in 0..<2 { _ = try await store.rateLimitTake(key: "caller:c", capacity: 2, refillPerSecond: 20) }
            try await Task.sleep(for: .milliseconds(150))
            #expect(try await store.rateLimitTake(key: "caller:c", capacity: 2, refillPerSecond: 20).allowed)
        }
    }
}

@Suite("Store conformance: event search")
struct EventSearchTests {
    @Test("logs are searched per tenant, newest first, by agent, task, level, text (case-insensitive, wildcards literal) and paged", arguments: TestBackend.allCases)
    func search(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            let alpha = try await store.makeAgent()
            let beta = try await store.makeAgent()
            let foreign = try await store.makeAgent(tenantID: "acme")
            let first = try await store.submit(alpha)
            let second = try await store.submit(beta)
            let hidden = try await store.submit(foreign)
            func log(_ task: TaskRecord, _ message: String, level: String? = nil) async throws {
                var data: [String: JSONValue] = ["message": .string(message)]
                if let level { data["level"] = .string(level) }
                _ = try await store.eventAppend(EventAppendParams(taskID: task.id, events: [NewTaskEvent(type: "log", data: .object(data))]))
                // Distinct timestamps, so newest-first is well defined on both clocks.
                try await Task.sleep(for: .milliseconds(5))
            }
            try await log(first, "Starting up")
            try await log(first, "disk at 50% full", level: "warning")
            try await log(second, "disk at 5 percent", level: "error")
            try await log(second, "done")
            try await log(hidden, "Starting up (acme)")

            func messages(_ params: EventSearchParams) async throws -> [String] {
                try await store.eventSearch(params).compactMap { $0.event.data["message"]?.stringValue }
            }
            let tenant = Tenant.defaultID
            #expect(try await messages(EventSearchParams(tenantID: tenant)) == ["done", "disk at 5 percent", "disk at 50% full", "Starting up"])
            let hits = try await store.eventSearch(EventSearchParams(tenantID: tenant, limit: 1))
            #expect(hits.first?.agentID == beta.id)
            #expect(try await messages(EventSearchParams(tenantID: tenant, agentID: alpha.id)) == ["disk at 50% full", "Starting up"])
            #expect(try await messages(EventSearchParams(tenantID: tenant, taskID: second.id)) == ["done", "disk at 5 percent"])
            #expect(try await messages(EventSearchParams(tenantID: tenant, levels: ["warning", "error"])) == ["disk at 5 percent", "disk at 50% full"])
            #expect(try await messages(EventSearchParams(tenantID: tenant, levels: ["info"])) == ["done", "Starting up"], "no level means info")
            #expect(try await messages(EventSearchParams(tenantID: tenant, search: "STARTING")) == ["Starting up"])
            #expect(try await messages(EventSearchParams(tenantID: tenant, search: "50%")) == ["disk at 50% full"], "% is literal")
            #expect(try await messages(EventSearchParams(tenantID: tenant, search: "at_5")).isEmpty, "_ is literal")
            let statuses = try await store.eventSearch(EventSearchParams(tenantID: tenant, types: ["status"]))
            #expect(statuses.map(\.event.type) == ["status", "status"], "each task's first status event, no logs")
            #expect(try await messages(EventSearchParams(tenantID: "acme")) == ["Starting up (acme)"])

            let newest = try await store.eventSearch(EventSearchParams(tenantID: tenant, limit: 2))
            let next = try await messages(EventSearchParams(tenantID: tenant, before: newest.last?.event.createdAt, limit: 2))
            #expect(next == ["disk at 50% full", "Starting up"])
        }
    }
}
