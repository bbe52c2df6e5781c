import Foundation
import HangarCore
import HangarRuntime
import HangarStore
import HangarTestSupport
import Synchronization
import Testing

@Suite("Worker pool")
struct WorkerPoolTests {
    @Test("runs queued tasks to completion with the mock model", arguments: TestBackend.allCases)
    func completes(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            var ids: [String] = []
            for index in 0..<30 { ids.append(try await store.submit(agent, input: ["type": "generate", "prompt": .string("n\(index)")]).id) }
            let harness = PoolHarness(store: store, configuration: .testing())
            for (index, id) in ids.enumerated() {
                let task = try await store.waitFor(id)
                #expect(task.status == .completed)
                #expect(task.output?["response"] == .string("n\(index)"))
                #expect(task.usage?["total_tokens"] != nil)
            }
            try await harness.stop()
        }
    }

    @Test("retryable failures are retried with backoff until they succeed", arguments: TestBackend.allCases)
    func retries(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let flaky = try await store.makeAgent(config: ["fail_times": 2])
            let recovers = try await store.submit(flaky, maxAttempts: 3)
            let exhausts = try await store.submit(flaky, maxAttempts: 2)
            let harness = PoolHarness(store: store, configuration: .testing())
            let done = try await store.waitFor(recovers.id)
            #expect(done.status == .completed)
            #expect(done.attempts == 3)
            #expect(try await store.statusEvents(recovers.id) == ["queued", "running", "queued", "running", "queued", "running", "completed"])
            let failed = try await store.waitFor(exhausts.id)
            #expect(failed.status == .failed)
            #expect(failed.attempts == 2)
            #expect(failed.error?.code == "provider_unavailable")
            try await harness.stop()
        }
    }

    @Test("cancelling a running 60-second task stops it within a second", arguments: TestBackend.allCases)
    func cancelRunning(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, database in
            let slow = try await store.makeAgent(config: ["latency_ms": 60_000])
            let task = try await store.submit(slow)
            let harness = PoolHarness(store: store, configuration: .testing())
            _ = try await store.waitFor(task.id, status: .running)
            // On PostgreSQL the cancel comes from another "process" (its own pool and listener).
            let api = backend == .postgres ? try await database.open() : store
            let started = ContinuousClock.now
            _ = try await api.taskCancel(tenantID: Tenant.defaultID, id: task.id, reason: "user")
            let ended = try await store.waitFor(task.id, timeout: .seconds(5))
            let elapsed = ContinuousClock.now - started
            #expect(ended.status == .cancelled)
            #expect(elapsed < .seconds(1), "took \(elapsed)")
            // The slot frees just after the final status commits.
            #expect(await eventually(timeout: .seconds(1)) { harness.pool.runningCount == 0 })
            if backend == .postgres { try await api.close() }
            try await harness.stop()
        }
    }

    @Test("an attempt that outlives its timeout ends timed_out", arguments: TestBackend.allCases)
    func timeout(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let slow = try await store.makeAgent(config: ["latency_ms": 30_000])
            let task = try await store.submit(slow, timeoutSeconds: 0.3)
            let harness = PoolHarness(store: store, configuration: .testing())
            let ended = try await store.waitFor(task.id, timeout: .seconds(5))
            #expect(ended.status == .timedOut)
            #expect(ended.error?.code == "timeout")
            let elapsed = try #require(ended.completedAt).timeIntervalSince(try #require(ended.startedAt))
            #expect(elapsed < 1.5)
            try await harness.stop()
        }
    }

    @Test("max_concurrency holds across several pools", arguments: TestBackend.allCases)
    func concurrencyAcrossPools(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, database in
            let probe = ConcurrencyProbe()
            let registry = ExecutorRegistry(["probe": probe])
            let agent = try await store.makeAgent(kind: "probe", maxConcurrency: 2)
            var ids: [String] = []
            for _ in 0..<24 { ids.append(try await store.submit(agent).id) }
            // Each PostgreSQL pool gets its own store: separate connections, as separate processes would.
            var stores: [any HangarStore] = [store]
            if backend == .postgres { for _ in 0..<2 { stores.append(try await database.open()) } }
            let harnesses = (0..<3).map { index in
                PoolHarness(store: stores[index % stores.count], registry: registry, configuration: .testing(concurrency: 4))
            }
            for id in ids { #expect(try await store.waitFor(id).status == .completed) }
            #expect(probe.peak == 2)
            for harness in harnesses { try await harness.stop() }
            for extra in stores.dropFirst() { try await extra.close() }
        }
    }

    @Test("an idle pool does not poll, and wakes at once when work arrives", arguments: TestBackend.allCases)
    func pushNotPoll(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, database in
            let agent = try await store.makeAgent()
            let harness = PoolHarness(store: store, configuration: .testing(idlePoll: .seconds(30)))
            try await Task.sleep(for: .seconds(2))
            let idleClaims = harness.pool.stats.claimQueries.load(ordering: .relaxed)
            #expect(idleClaims <= 2, "claims while idle: \(idleClaims)")
            // The submit comes from another store (another process, for PostgreSQL).
            let submitter = backend == .postgres ? try await database.open() : store
            let task = try await submitter.submit(agent)
            let running = try await store.waitFor(task.id, timeout: .seconds(5))
            let wake = try #require(running.startedAt).timeIntervalSince(running.createdAt)
            #expect(wake < 0.5, "submit→start took \(wake) s with a 30 s safety poll")
            if backend == .postgres { try await submitter.close() }
            try await harness.stop()
        }
    }

    @Test("a worker whose lease was taken over records nothing; the new attempt's result stands", arguments: TestBackend.allCases)
    func zombieFenced(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent(config: ["latency_ms": 1_200])
            let task = try await store.submit(agent)
            // A stalled pool: its lease (0.4 s) runs out long before its heartbeat (10 s) renews it.
            let zombie = PoolHarness(store: store, configuration: .testing(concurrency: 1, lease: .milliseconds(400), heartbeat: .seconds(10)))
            _ = try await store.waitFor(task.id, status: .running)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await store.taskRescueExpired(TaskRescueParams { _ in .zero }) == [task.id])
            let healthy = PoolHarness(store: store, configuration: .testing())
            let done = try await store.waitFor(task.id, timeout: .seconds(10))
            #expect(done.status == .completed)
            #expect(done.attempts == 2)
            #expect(try await store.statusEvents(task.id) == ["queued", "running", "queued", "running", "completed"])
            #expect(await eventually { zombie.pool.stats.leasesLost.load(ordering: .relaxed) == 1 }, "the zombie's result was refused")
            try await zombie.stop()
            try await healthy.stop()
        }
    }

    @Test(
        "an attempt's model calls are written with its outcome (one commit), counted by budget checks meanwhile, and kept when it fails",
        arguments: TestBackend.allCases)
    func usageCommitsWithOutcome(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            for fail in [false, true] {
                let probe = SpendingProbe(cost: 0.25, fail: fail)
                let agent = try await store.makeAgent(kind: "probe")
                let task = try await store.submit(agent)
                let harness = PoolHarness(store: store, registry: ExecutorRegistry(["probe": probe]), configuration: .testing())
                #expect(await eventually { probe.spentSeen != nil })
                // The call is the attempt's own until the attempt ends: its budget checks count it,
                // the store does not have it yet.
                #expect(probe.spentSeen == 0.25)
                #expect(try await store.usageCost(tenantID: agent.tenantID, agentID: agent.id) == 0)
                #expect(try await store.taskGet(tenantID: nil, id: task.id)?.status == .running)
                probe.release()
                let ended = try await store.waitFor(task.id)
                #expect(ended.status == (fail ? .failed : .completed))
                // Read right after the final status: the row came with it (same transaction).
                #expect(try await store.usageCost(tenantID: agent.tenantID, agentID: agent.id) == 0.25)
                try await harness.stop()
            }
        }
    }

    @Test("an agent with a budget has each model call written as it returns, so its other attempts see it", arguments: TestBackend.allCases)
    func budgetedUsageWritesThrough(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let probe = SpendingProbe(cost: 0.5)
            let agent = try await store.agentInsert(
                AgentInsertParams(tenantID: Tenant.defaultID, name: "budgeted", kind: "probe", model: "mock/echo", budgetLimit: 10))
            let task = try await store.submit(agent)
            let harness = PoolHarness(store: store, registry: ExecutorRegistry(["probe": probe]), configuration: .testing())
            #expect(await eventually { probe.spentSeen != nil })
            #expect(probe.spentSeen == 0.5)
            #expect(try await store.usageCost(tenantID: agent.tenantID, agentID: agent.id) == 0.5)
            probe.release()
            #expect(try await store.waitFor(task.id).status == .completed)
            #expect(try await store.usageCost(tenantID: agent.tenantID, agentID: agent.id) == 0.5, "written once")
            try await harness.stop()
        }
    }

    @Test("on shutdown, attempts still running after the grace period are requeued at once", arguments: TestBackend.allCases)
    func shutdownRequeues(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent(config: ["latency_ms": 60_000])
            let task = try await store.submit(agent)
            let harness = PoolHarness(store: store, configuration: .testing(shutdownGrace: .milliseconds(200)))
            _ = try await store.waitFor(task.id, status: .running)
            let started = ContinuousClock.now
            try await harness.stop()
            #expect(ContinuousClock.now - started < .seconds(2))
            let requeued = try #require(try await store.taskGet(tenantID: nil, id: task.id))
            #expect(requeued.status == .queued)
            #expect(requeued.error?.code == "worker_shutdown")
        }
    }
}

/// An executor that spends on one model call, then waits until told to end (and fails if
/// `fail`), so a test can look at the store while the attempt is still running.
final class SpendingProbe: AgentExecutor {
    let cost: Double
    let fail: Bool
    private let state = Mutex<(spent: Double?, released: Bool)>((nil, false))

    init(cost: Double, fail: Bool = false) {
        self.cost = cost
        self.fail = fail
    }

    /// What the ledger said the agent had spent, just after the call was recorded.
    var spentSeen: Double? { state.withLock { $0.spent } }
    func release() { state.withLock { $0.released = true } }

    func execute(_ context: TaskContext) async throws -> ExecutionResult {
        guard let ledger = context.usage else { throw TaskFailure(code: "no_ledger", message: "no usage ledger", retryable: false) }
        try await ledger.record(
            UsageRecord(
                tenantID: context.agent.tenantID, agentID: context.agent.id, taskID: context.task.id, model: "mock/echo", promptTokens: 1,
                completionTokens: 1, costUSD: cost))
        let spent = try await ledger.spent(tenantID: context.agent.tenantID, agentID: context.agent.id)
        state.withLock { $0.spent = spent }
        while !state.withLock({ $0.released }) { try await Task.sleep(for: .milliseconds(5)) }
        if fail { throw TaskFailure(code: "broken", message: "gave up", retryable: false) }
        return ExecutionResult(output: "ok")
    }
}

/// An executor that records how many of its attempts overlap.
final class ConcurrencyProbe: AgentExecutor {
    private let state = Mutex<(current: Int, peak: Int)>((0, 0))

    var peak: Int { state.withLock { $0.peak } }

    func execute(_ context: TaskContext) async throws -> ExecutionResult {
        state.withLock {
            $0.current += 1
            $0.peak = max($0.peak, $0.current)
        }
        defer { state.withLock { $0.current -= 1 } }
        try await Task.sleep(for: .milliseconds(40))
        return ExecutionResult(output: "ok")
    }
}
