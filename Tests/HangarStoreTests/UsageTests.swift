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

    @Test("retention folds old usage into daily totals: every report and budget sum stays the same", arguments: TestBackend.allCases)
    func compaction(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            // setup: three days of usage across agents, models, a chat without agent, two tenants
            let start = Date(timeIntervalSince1970: 1_767_225_600 + 3600)  // 2026-01-01T01:00Z
            var records: [UsageRecord] = []
            for index in 0..<60 {
                records.append(
                    UsageRecord(
                        tenantID: index % 10 == 0 ? "globex" : "acme", agentID: index % 7 == 0 ? nil : "a\(index % 3)",
                        chatSessionID: index % 7 == 0 ? "chat" : nil, model: index % 2 == 0 ? "mock/echo" : "openai/gpt-4o-mini",
                        promptTokens: index, completionTokens: 2 * index, costUSD: Double(index) / 4,
                        createdAt: start.addingTimeInterval(Double(index) * 3600)))
            }
            for record in records { try await store.usageAppend(record) }
            func reports() async throws -> [String] {
                var lines: [String] = []
                for tenant in ["acme", "globex"] {
                    for agent in [nil, "a0", "a1", "a2"] as [String?] {
                        lines.append("\(tenant) \(agent ?? "-") cost \(try await store.usageCost(tenantID: tenant, agentID: agent))")
                        for since in [start.addingTimeInterval(-3600), start.addingTimeInterval(23 * 3600)] {  // UTC midnights, as the API asks
                            lines += try await store.usageDaily(tenantID: tenant, agentID: agent, since: since).map { "\(tenant) \(agent ?? "-") \($0)" }
                        }
                    }
                }
                return lines
            }
            let before = try await reports()

            // act: fold the first day and a half in batches of 10, then everything
            let cutoff = start.addingTimeInterval(36 * 3600)
            var folded = 0
            while true {
                let batch = try await store.usageCompact(before: cutoff, limit: 10)
                #expect(batch <= 10)
                folded += batch
                if batch < 10 { break }
            }
            #expect(folded == 36)
            #expect(try await reports() == before, "a day split between folded and live records sums the same")
            #expect(try await store.usageCompact(before: start.addingTimeInterval(100 * 3600), limit: 1000) == 24)
            #expect(try await store.usageCompact(before: start.addingTimeInterval(100 * 3600), limit: 1000) == 0, "nothing counts twice")

            // validate
            #expect(try await reports() == before)
            let a1Records = records.filter { $0.tenantID == "acme" && $0.agentID == "a1" }
            let a1Cost: Double = a1Records.map(\.costUSD).reduce(0, +)
            #expect(before.contains("acme a1 cost \(a1Cost)"))
        }
    }

    @Test("an attempt's usage commits with its outcome, whatever the outcome; a fenced-off finish writes none", arguments: TestBackend.allCases)
    func usageWithFinish(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            // setup: four running tasks of one agent
            let agent = try await store.makeAgent()
            for _ in 0..<4 { try await store.submit(agent, maxAttempts: 3) }
            let claimed = try await store.claim(4)
            #expect(claimed.count == 4)
            func spend(_ task: ClaimedTask, _ cost: Double, calls: Int = 1) -> [UsageRecord] {
                (0..<calls).map { _ in
                    UsageRecord(
                        tenantID: agent.tenantID, agentID: agent.id, taskID: task.task.id, model: "mock/echo", promptTokens: 3, completionTokens: 2,
                        costUSD: cost)
                }
            }
            func finish(_ task: ClaimedTask, _ outcome: AttemptOutcome, usage: [UsageRecord], lease: String? = nil) async throws -> TaskRecord {
                try await store.taskFinish(
                    TaskFinishParams(taskID: task.task.id, leaseToken: lease ?? task.task.leaseToken!, outcome: outcome, usage: usage))
            }
            func spent() async throws -> Double { try await store.usageCost(tenantID: agent.tenantID, agentID: agent.id) }

            // act / validate: completed, two calls in one transaction
            #expect(try await finish(claimed[0], .completed(output: "ok", usage: nil), usage: spend(claimed[0], 0.5, calls: 2)).status == .completed)
            #expect(try await spent() == 1.0)

            // A zombie (wrong lease) changes nothing, its usage included.
            await #expect(throws: HangarError.self) {
                _ = try await finish(claimed[1], .completed(output: "late", usage: nil), usage: spend(claimed[1], 100), lease: "stale")
            }
            #expect(try await spent() == 1.0)

            // Failed attempts were paid for: retried or final, the rows are there.
            let retryable = TaskFailure(code: "flaky", message: "again", retryable: true)
            #expect(try await finish(claimed[1], .failed(retryable, retryDelay: .zero), usage: spend(claimed[1], 0.25)).status == .queued)
            #expect(try await spent() == 1.25)
            let fatal = TaskFailure(code: "broken", message: "no", retryable: false)
            #expect(try await finish(claimed[2], .failed(fatal, retryDelay: .zero), usage: spend(claimed[2], 0.125)).status == .failed)
            #expect(try await spent() == 1.375)
            #expect(try await finish(claimed[3], .cancelled(reason: "user"), usage: spend(claimed[3], 0.0625)).status == .cancelled)
            #expect(try await spent() == 1.4375)
            let days = try await store.usageDaily(tenantID: agent.tenantID, agentID: agent.id, since: Date().addingTimeInterval(-3600))
            #expect(days.count == 1 && days[0].requests == 5 && days[0].promptTokens == 15 && days[0].completionTokens == 10)

            // A timed-out attempt too (the retried task, claimed again).
            let again = try #require(try await store.claim(1).first)
            let timeout = TaskFailure(code: "timeout", message: "late", retryable: false)
            #expect(try await finish(again, .timedOut(timeout), usage: spend(again, 2)).status == .timedOut)
            #expect(try await spent() == 3.4375)
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
