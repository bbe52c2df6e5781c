import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import Testing

/// Conformance: claiming. Every test runs against SQLite and PostgreSQL.
@Suite("Store conformance: claiming")
struct ClaimTests {
    @Test("a committed task survives closing and reopening the store", arguments: TestBackend.allCases)
    func durable(_ backend: TestBackend) async throws {
        let database = try TestDatabase.make(backend)
        let first = try await database.open()
        let agent = try await first.makeAgent()
        let task = try await first.submit(agent, input: ["type": "generate", "prompt": "keep me"])
        try await first.close()

        let second = try await database.open()
        try await second.ping()
        try await second.migrate()  // again: a no-op, as when several processes start at once
        let reloaded = try #require(try await second.taskGet(tenantID: Tenant.defaultID, id: task.id))
        #expect(reloaded.status == .queued)
        #expect(reloaded.input == ["type": "generate", "prompt": "keep me"])
        #expect(try await second.statusEvents(task.id) == ["queued"])
        try await second.close()
    }

    @Test("concurrent claimers never receive the same task", arguments: TestBackend.allCases)
    func exclusive(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            for _ in 0..<120 { try await store.submit(agent) }
            let claimedIDs = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let batch = try await store.claim(7, worker: "w\(worker)")
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.task.id)
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(claimedIDs.count == 120)
            #expect(Set(claimedIDs).count == 120)
        }
    }

    @Test("higher priority first, FIFO within a priority", arguments: TestBackend.allCases)
    func order(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            var ids: [String: String] = [:]
            for (label, priority) in [("a5", 5), ("b5", 5), ("c9", 9), ("d1", 1), ("e9", 9), ("f5", 5)] {
                ids[try await store.submit(agent, priority: priority).id] = label
            }
            var order: [String] = []
            while let next = try await store.claim(1).first { order.append(ids[next.task.id]!) }
            #expect(order == ["c9", "e9", "a5", "b5", "f5", "d1"])
        }
    }

    @Test("one tenant's backlog does not starve another tenant of equal priority", arguments: TestBackend.allCases)
    func tenantFairness(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            try await store.tenantUpsert(id: "globex", name: "Globex")
            let busy = try await store.makeAgent(tenantID: "acme")
            let quiet = try await store.makeAgent(tenantID: "globex")
            for _ in 0..<40 { try await store.submit(busy) }
            for _ in 0..<3 { try await store.submit(quiet) }
            // Claim one at a time while the claimed tasks keep running.
            var tenants: [String] = []
            for _ in 0..<6 { tenants.append(try #require(try await store.claim(1).first).task.tenantID) }
            #expect(tenants == ["acme", "globex", "acme", "globex", "acme", "globex"])
            // In one batch too: both tenants are served.
            let batch = try await store.claim(4)
            #expect(batch.map(\.task.tenantID).filter { $0 == "acme" }.count == 4)
        }
    }

    @Test("max_concurrency holds under contention from many claimers", arguments: TestBackend.allCases)
    func concurrencyLimit(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let limited = try await store.makeAgent(maxConcurrency: 2)
            let free = try await store.makeAgent()
            for _ in 0..<40 { try await store.submit(limited) }
            for _ in 0..<20 { try await store.submit(free) }
            let tracker = RunningTracker()
            try await raceClaimers(store, workers: 8, batch: 3, holdMs: 10) { claimed in
                if claimed.agent.id == limited.id { await tracker.start() }
            } finished: { claimed in
                if claimed.agent.id == limited.id { await tracker.end() }
            }
            #expect(await tracker.peak == 2, "peak concurrency of the limited agent")
            let done = try await store.taskList(TaskListParams(tenantID: nil, statuses: [.completed], limit: 1000))
            #expect(done.count == 60)
        }
    }

    @Test("a tenant's concurrent-task quota holds under contention, and other tenants still run", arguments: TestBackend.allCases)
    func tenantQuota(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            try await store.tenantUpsert(id: "small", name: "Small")
            try await store.quotaSet(TenantQuota(tenantID: "small", maxConcurrentTasks: 2))
            let limited = try await store.makeAgent(tenantID: "small")
            let other = try await store.makeAgent()
            for _ in 0..<30 { try await store.submit(limited) }
            for _ in 0..<10 { try await store.submit(other) }
            let tracker = RunningTracker()
            try await raceClaimers(store, workers: 6, batch: 4) { claimed in
                if claimed.task.tenantID == "small" { await tracker.start() }
            } finished: { claimed in
                if claimed.task.tenantID == "small" { await tracker.end() }
            }
            #expect(await tracker.peak == 2)
            #expect(try await store.taskCounts(tenantID: nil).byStatus[.completed] == 40)
        }
    }

    @Test("a saturated agent's backlog does not hide other agents' work", arguments: TestBackend.allCases)
    func saturatedAgentSkipped(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let limited = try await store.makeAgent(maxConcurrency: 1)
            for _ in 0..<300 { try await store.submit(limited, priority: 9) }
            let other = try await store.makeAgent()
            let waiting = try await store.submit(other, priority: 1)
            let first = try await store.claim(5)
            #expect(first.count == 2)
            #expect(Set(first.map(\.agent.id)) == [limited.id, other.id])
            #expect(first.contains { $0.task.id == waiting.id })
        }
    }

    @Test("worker capacity and agent kinds limit what a worker takes", arguments: TestBackend.allCases)
    func capacityAndKinds(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let gpuAgent = try await store.makeAgent(resources: Resources(cpu: 1, memoryMB: 512, gpu: 1))
            for _ in 0..<3 { try await store.submit(gpuAgent) }
            let browser = try await store.makeAgent(kind: "browser")
            try await store.submit(browser)

            #expect(try await store.claim(10, capacity: Resources(cpu: 8, memoryMB: 4096, gpu: 0), kinds: ["llm"]).isEmpty)
            let one = try await store.claim(10, capacity: Resources(cpu: 8, memoryMB: 4096, gpu: 1), kinds: ["llm"])
            #expect(one.count == 1)
            let browsers = try await store.claim(10, kinds: ["browser"])
            #expect(browsers.map(\.agent.id) == [browser.id])
        }
    }
}

actor RunningTracker {
    private(set) var current = 0
    private(set) var peak = 0

    func start() {
        current += 1
        peak = max(peak, current)
    }

    func end() { current -= 1 }
}
