import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import Testing

@Suite("Store conformance: reservation quotas and token budgets")
struct ReservationQuotaTests {
    @Test("a tenant's cpu/memory/gpu quota bounds what its running tasks reserve together, also under contention", arguments: TestBackend.allCases)
    func reservations(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            // setup: 3 cpu for the tenant; agents of 1 and 2 cpu; another tenant without a quota
            try await store.tenantUpsert(id: "lab", name: "Lab")
            try await store.quotaSet(TenantQuota(tenantID: "lab", maxCPU: 3, maxGPU: 1))
            let small = try await store.makeAgent(tenantID: "lab", resources: Resources(cpu: 1))
            let large = try await store.makeAgent(tenantID: "lab", resources: Resources(cpu: 2, gpu: 1))
            let free = try await store.makeAgent(resources: Resources(cpu: 8))
            for _ in 0..<20 { try await store.submit(small) }
            for _ in 0..<10 { try await store.submit(large) }
            for _ in 0..<5 { try await store.submit(free) }

            // act: six claimers racing; each holds its tasks a moment, then completes them
            let tracker = ReservationTracker()
            try await raceClaimers(store, workers: 6, batch: 3) { claimed in
                if claimed.task.tenantID == "lab" { await tracker.add(claimed.agent.resources) }
            } finished: { claimed in
                if claimed.task.tenantID == "lab" { await tracker.remove(claimed.agent.resources) }
            }

            // validate: never beyond 3 cpu or 1 gpu at once, and everything ran
            let peak = await tracker.peak
            #expect(peak.cpu <= 3 + 1e-9 && peak.gpu <= 1, "peak \(peak)")
            #expect(peak.cpu >= 2, "the quota was used, not just respected")
            #expect(try await store.taskCounts(tenantID: nil).byStatus[.completed] == 35)
        }
    }

    @Test("completed tasks count against the token budget; a spent budget holds the tenant's queue until reset", arguments: TestBackend.allCases)
    func tokenBudget(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            try await store.tenantUpsert(id: "lab", name: "Lab")
            try await store.quotaSet(TenantQuota(tenantID: "lab", tokenBudget: 100))
            let agent = try await store.makeAgent(tenantID: "lab")
            let other = try await store.makeAgent()
            for _ in 0..<3 { try await store.submit(agent, priority: 9) }
            try await store.submit(other, priority: 1)

            let first = try #require(try await store.claim(1).first)
            #expect(first.task.tenantID == "lab")
            _ = try await store.taskFinish(
                TaskFinishParams(
                    taskID: first.task.id, leaseToken: first.task.leaseToken!,
                    outcome: .completed(output: "x", usage: ["prompt_tokens": 70, "completion_tokens": 50, "total_tokens": 120])))
            let quota = try await store.quotaGet(tenantID: "lab")
            #expect(quota.tokensUsed == 120 && quota.budgetExhausted)
            let rest = try await store.claim(10)
            #expect(rest.map(\.task.tenantID) == [Tenant.defaultID], "a spent budget starts nothing more of the tenant's")
            try await store.quotaSet(TenantQuota(tenantID: "lab", tokenBudget: 1000))
            #expect(try await store.quotaGet(tenantID: "lab").tokensUsed == 120, "setting limits keeps the count")
            #expect(try await store.claim(10).count == 2, "a raised budget frees the queue")
            try await store.quotaTokensReset(tenantID: "lab")
            #expect(try await store.quotaGet(tenantID: "lab").tokensUsed == 0)
        }
    }
}

actor ReservationTracker {
    private var current = Resources.zero
    private(set) var peak = Resources.zero

    func add(_ resources: Resources) {
        current = current + resources
        peak = Resources(cpu: max(peak.cpu, current.cpu), memoryMB: max(peak.memoryMB, current.memoryMB), gpu: max(peak.gpu, current.gpu))
    }

    func remove(_ resources: Resources) { current = current - resources }
}
