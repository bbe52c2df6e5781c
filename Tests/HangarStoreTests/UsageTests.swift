import Foundation
import HangarCore
import HangarRuntime
import HangarStore
import HangarTestSupport
import Testing

@Suite("Store conformance: usage ledger and budgets")
struct UsageTests {
    @Test("usage is summed per UTC day and model, oldest first, per agent and per tenant", arguments: TestBackend.allCases)
    func daily(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            // setup: two days, two models, two agents, another tenant
            let day1 = Date(timeIntervalSince1970: 1_767_225_600 + 3600)  // 2026-01-01T01:00Z
            let day1Late = day1.addingTimeInterval(22 * 3600)  // 2026-01-01T23:00Z, still day 1 in UTC
            let day2 = day1.addingTimeInterval(24 * 3600)  // 2026-01-02T01:00Z
            let records = [
                UsageRecord(tenantID: "acme", agentID: "a1", taskID: "t1", model: "openai/gpt-4o-mini", promptTokens: 100, completionTokens: 10, costUSD: 0.5, createdAt: day1),
                UsageRecord(tenantID: "acme", agentID: "a1", model: "openai/gpt-4o-mini", promptTokens: 200, completionTokens: 20, costUSD: 0.25, createdAt: day1Late),
                UsageRecord(tenantID: "acme", agentID: "a1", chatSessionID: "c1", model: "mock/echo", promptTokens: 5, completionTokens: 5, costUSD: 0, createdAt: day1),
                UsageRecord(tenantID: "acme", agentID: "a1", model: "mock/echo", promptTokens: 7, completionTokens: 3, costUSD: 1, createdAt: day2),
                UsageRecord(tenantID: "acme", agentID: "a2", model: "mock/echo", promptTokens: 1, completionTokens: 1, costUSD: 2, createdAt: day2),
                UsageRecord(tenantID: "acme", agentID: nil, chatSessionID: "c2", model: "mock/echo", promptTokens: 1, completionTokens: 1, costUSD: 4, createdAt: day2),
                UsageRecord(tenantID: "globex", agentID: "a1", model: "mock/echo", promptTokens: 9, completionTokens: 9, costUSD: 100, createdAt: day2),
            ]
            for record in records { try await store.usageAppend(record) }

            // act / validate
            let a1 = try await store.usageDaily(tenantID: "acme", agentID: "a1", since: day1.addingTimeInterval(-3600))
            #expect(a1 == [
                UsageDay(day: "2026-01-01", model: "mock/echo", requests: 1, promptTokens: 5, completionTokens: 5, costUSD: 0),
                UsageDay(day: "2026-01-01", model: "openai/gpt-4o-mini", requests: 2, promptTokens: 300, completionTokens: 30, costUSD: 0.75),
                UsageDay(day: "2026-01-02", model: "mock/echo", requests: 1, promptTokens: 7, completionTokens: 3, costUSD: 1),
            ])
            let recent = try await store.usageDaily(tenantID: "acme", agentID: "a1", since: day2.addingTimeInterval(-60))
            #expect(recent.map(\.day) == ["2026-01-02"])
            let tenant = try await store.usageDaily(tenantID: "acme", agentID: nil, since: day2.addingTimeInterval(-60))
            #expect(tenant.count == 1 && tenant[0].requests == 3 && tenant[0].costUSD == 7)

            #expect(try await store.usageCost(tenantID: "acme", agentID: "a1") == 1.75)
            #expect(try await store.usageCost(tenantID: "acme", agentID: "a2") == 2)
            #expect(try await store.usageCost(tenantID: "acme", agentID: "nobody") == 0)
            #expect(try await store.usageCost(tenantID: "acme", agentID: nil) == 7.75)
            #expect(try await store.usageCost(tenantID: "globex", agentID: "a1") == 100, "tenants are apart")

            // The runtime's ledger reads and writes the same records.
            let ledger = StoreUsageLedger(store: store)
            try await ledger.record(UsageRecord(tenantID: "acme", agentID: "a2", model: "mock/echo", promptTokens: 1, completionTokens: 1, costUSD: 0.5))
            #expect(try await ledger.spent(tenantID: "acme", agentID: "a2") == 2.5)
        }
    }

    @Test("an agent's budget_limit is stored, changed and cleared", arguments: TestBackend.allCases)
    func budgetLimit(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            var agent = try await store.agentInsert(
                AgentInsertParams(tenantID: Tenant.defaultID, name: "spender", kind: "llm", model: "mock/echo", budgetLimit: 12.5))
            #expect(agent.budgetLimit == 12.5)
            #expect(try await store.agentGet(tenantID: Tenant.defaultID, idOrName: "spender")?.budgetLimit == 12.5)
            agent.budgetLimit = 0.25
            #expect(try await store.agentUpdate(AgentUpdateParams(agent: agent)).budgetLimit == 0.25)
            agent.budgetLimit = nil
            _ = try await store.agentUpdate(AgentUpdateParams(agent: agent))
            #expect(try await store.agentGet(tenantID: Tenant.defaultID, idOrName: agent.id)?.budgetLimit == nil)
        }
    }
}
