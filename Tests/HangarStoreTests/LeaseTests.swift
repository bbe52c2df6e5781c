import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import Testing

@Suite("Store conformance: leases, retries, cancellation")
struct LeaseTests {
    @Test("an expired lease returns the task to the queue and the attempt counts", arguments: TestBackend.allCases)
    func rescue(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let task = try await store.submit(agent)
            // Long enough that a loaded machine (parallel tests, builds) still checks within it.
            let first = try #require(try await store.claim(1, worker: "doomed", lease: .seconds(3)).first)
            #expect(first.task.attempts == 1)
            #expect(try await store.taskRescueExpired(TaskRescueParams { _ in .zero }).isEmpty, "lease still valid")

            try await Task.sleep(for: .milliseconds(3500))
            #expect(try await store.taskRescueExpired(TaskRescueParams { _ in .zero }) == [task.id])
            let requeued = try #require(try await store.taskGet(tenantID: nil, id: task.id))
            #expect(requeued.status == .queued)
            #expect(requeued.error?.code == "lease_expired")
            #expect(requeued.leaseToken == nil)

            let second = try #require(try await store.claim(1, worker: "healthy").first)
            #expect(second.task.attempts == 2)
            #expect(second.task.leaseToken != first.task.leaseToken)
            #expect(try await store.statusEvents(task.id) == ["queued", "running", "queued", "running"])
        }
    }

    @Test("only the current lease holder can record the result", arguments: TestBackend.allCases)
    func fencedCompletion(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let task = try await store.submit(agent)
            let zombie = try #require(try await store.claim(1, worker: "zombie", lease: .milliseconds(200)).first)
            try await Task.sleep(for: .milliseconds(400))
            _ = try await store.taskRescueExpired(TaskRescueParams { _ in .zero })
            let current = try #require(try await store.claim(1, worker: "current").first)

            await #expect(throws: HangarError.leaseLost(taskID: task.id)) {
                _ = try await store.complete(zombie, output: "stale")
            }
            await #expect(throws: HangarError.leaseLost(taskID: task.id)) {
                _ = try await store.eventAppend(
                    EventAppendParams(taskID: task.id, leaseToken: zombie.task.leaseToken, events: [NewTaskEvent(type: "log", data: "late")]))
            }
            let heartbeat = try await store.taskHeartbeat(
                TaskHeartbeatParams(workerID: "zombie", leases: [(task.id, zombie.task.leaseToken!)], leaseDuration: .seconds(30)))
            #expect(heartbeat == [LeaseState(taskID: task.id, leaseToken: zombie.task.leaseToken!, held: false, cancelRequested: false)])

            let done = try await store.complete(current, output: "fresh")
            #expect(done.status == .completed)
            #expect(done.output == "fresh")
            #expect(done.attempts == 2)
            await #expect(throws: HangarError.leaseLost(taskID: task.id)) {
                _ = try await store.complete(current, output: "twice")
            }
        }
    }

    @Test("a burst of concurrent completions (batched on PostgreSQL): each fenced on its own, each with its event, usage and budget", arguments: TestBackend.allCases)
    func concurrentCompletions(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            try await store.tenantUpsert(id: "lab", name: "Lab")
            try await store.quotaSet(TenantQuota(tenantID: "lab", tokenBudget: 1_000_000))
            let agents = [try await store.makeAgent(tenantID: "lab"), try await store.makeAgent(maxConcurrency: 200)]
            for index in 0..<120 { try await store.submit(agents[index % 2]) }
            let claimed = try await store.claim(120, worker: "burst")
            #expect(claimed.count == 120)
            // A tenth of them lose their lease first: the heartbeat's renewal races the burst too.
            let stale = Set(claimed.prefix(12).map(\.task.id))
            let usage: JSONValue = ["prompt_tokens": 7, "completion_tokens": 3]
            let results = await withTaskGroup(of: (String, Result<TaskRecord, any Error>).self) { group in
                for task in claimed {
                    group.addTask {
                        let token = stale.contains(task.task.id) ? "stolen" : task.task.leaseToken!
                        let call = UsageRecord(
                            tenantID: task.task.tenantID, agentID: task.task.agentID, taskID: task.task.id, model: "mock/echo",
                            promptTokens: 7, completionTokens: 3, costUSD: 0.001)
                        let params = TaskFinishParams(
                            taskID: task.task.id, leaseToken: token, outcome: .completed(output: .string(task.task.id), usage: usage),
                            usage: [call])
                        do { return (task.task.id, .success(try await store.taskFinish(params))) } catch { return (task.task.id, .failure(error)) }
                    }
                }
                group.addTask {
                    let leases = claimed.map { ($0.task.id, $0.task.leaseToken!) }
                    _ = try? await store.taskHeartbeat(TaskHeartbeatParams(workerID: "burst", leases: leases, leaseDuration: .seconds(30)))
                    return ("heartbeat", .failure(CancellationError()))
                }
                return await group.reduce(into: [String: Result<TaskRecord, any Error>]()) { $0[$1.0] = $1.1 }
            }
            for task in claimed {
                switch results[task.task.id] {
                case .success(let done)?:
                    #expect(!stale.contains(task.task.id))
                    #expect(done.status == .completed && done.output == .string(task.task.id) && done.usage == usage)
                    #expect(done.leaseToken == nil)
                case .failure(let error)?:
                    #expect(stale.contains(task.task.id))
                    #expect(error as? HangarError == .leaseLost(taskID: task.task.id))
                case nil:
                    Issue.record("no result for \(task.task.id)")
                }
            }
            for task in claimed {
                let events = try await store.statusEvents(task.task.id)
                #expect(events == (stale.contains(task.task.id) ? ["queued", "running"] : ["queued", "running", "completed"]))
            }
            let done = claimed.filter { !stale.contains($0.task.id) }
            let labDone = done.filter { $0.task.tenantID == "lab" }.count
            #expect(try await store.quotaGet(tenantID: "lab").tokensUsed == labDone * 10, "only the budgeted tenant, only completed attempts")
            let cost = try await store.usageCost(tenantID: "lab", agentID: nil) + (try await store.usageCost(tenantID: Tenant.defaultID, agentID: nil))
            #expect(abs(cost - Double(done.count) * 0.001) < 1e-9, "usage of fenced-off attempts is not written")
        }
    }

    @Test("heartbeats keep a lease alive past its original expiry", arguments: TestBackend.allCases)
    func heartbeat(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let task = try await store.submit(agent)
            // 2.8 s of heartbeats on a 2 s lease; wide margins so a loaded machine keeps up.
            let claimed = try #require(try await store.claim(1, lease: .seconds(2)).first)
            for _ in 0..<4 {
                try await Task.sleep(for: .milliseconds(700))
                let states = try await store.taskHeartbeat(
                    TaskHeartbeatParams(workerID: "w1", leases: [(task.id, claimed.task.leaseToken!)], leaseDuration: .seconds(2)))
                #expect(states.first?.held == true)
            }
            #expect(try await store.taskRescueExpired(TaskRescueParams { _ in .zero }).isEmpty)
            #expect(try await store.complete(claimed).status == .completed)
        }
    }

    @Test("retryable failures come back after their backoff; others fail at once", arguments: TestBackend.allCases)
    func retries(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let retried = try await store.submit(agent, maxAttempts: 2)
            let claimed = try #require(try await store.claim(1).first)
            let transient = TaskFailure(code: "flaky", message: "try again", retryable: true)
            let afterFirst = try await store.taskFinish(
                TaskFinishParams(taskID: retried.id, leaseToken: claimed.task.leaseToken!, outcome: .failed(transient, retryDelay: .milliseconds(400))))
            #expect(afterFirst.status == .queued)
            #expect(afterFirst.error == transient)

            let early = try await store.taskClaim(TaskClaimParams(workerID: "w", limit: 1, leaseDuration: .seconds(30)))
            #expect(early.claimed.isEmpty, "still backing off")
            let due = try #require(early.nextRunAt)
            // The store's own clock decides (PostgreSQL's now()): compare its times, not ours, so a
            // loaded machine cannot make the check race the backoff.
            #expect(abs(due.timeIntervalSince(afterFirst.runAt)) < 0.001, "the empty claim says when the retry comes due")
            let backoff = afterFirst.runAt.timeIntervalSince(afterFirst.updatedAt)
            #expect(backoff > 0.39 && backoff < 0.41, "run_at is the failure's time plus its delay: \(backoff)")

            try await Task.sleep(for: .seconds(max(0, due.timeIntervalSinceNow) + 0.1))
            let second = try #require(try await store.claim(1).first)
            #expect(second.task.attempts == 2)
            let final = try await store.taskFinish(
                TaskFinishParams(taskID: retried.id, leaseToken: second.task.leaseToken!, outcome: .failed(transient, retryDelay: .zero)))
            #expect(final.status == .failed, "attempts exhausted")

            let fatal = try await store.submit(agent, maxAttempts: 5)
            let fatalClaim = try #require(try await store.claim(1).first)
            let failed = try await store.taskFinish(
                TaskFinishParams(
                    taskID: fatal.id, leaseToken: fatalClaim.task.leaseToken!,
                    outcome: .failed(TaskFailure(code: "bad_input", message: "no", retryable: false), retryDelay: .zero)))
            #expect(failed.status == .failed)
            #expect(failed.attempts == 1)
            #expect(failed.completedAt != nil)
        }
    }

    @Test("cancelling: queued ends at once, running is flagged for its worker", arguments: TestBackend.allCases)
    func cancel(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let running = try await store.submit(agent)
            let claimed = try #require(try await store.claim(1).first)
            let queued = try await store.submit(agent)
            let signals = store.notifier.subscribe()

            let cancelledQueued = try await store.taskCancel(tenantID: Tenant.defaultID, id: queued.id, reason: "user")
            #expect(cancelledQueued.status == .cancelled)
            #expect(try await store.claim(1).isEmpty, "a cancelled task is never claimed")

            let flagged = try await store.taskCancel(tenantID: Tenant.defaultID, id: running.id, reason: "user")
            #expect(flagged.status == .running)
            #expect(flagged.cancelRequested)
            var sawCancel = false
            for await signal in signals {
                if signal == .cancelRequested(taskID: running.id) {
                    sawCancel = true
                    break
                }
            }
            #expect(sawCancel)
            let states = try await store.taskHeartbeat(
                TaskHeartbeatParams(workerID: "w1", leases: [(running.id, claimed.task.leaseToken!)], leaseDuration: .seconds(30)))
            #expect(states.first?.cancelRequested == true)
            let ended = try await store.taskFinish(
                TaskFinishParams(taskID: running.id, leaseToken: claimed.task.leaseToken!, outcome: .cancelled(reason: "user")))
            #expect(ended.status == .cancelled)
            // Cancelling a finished task changes nothing.
            #expect(try await store.taskCancel(tenantID: Tenant.defaultID, id: running.id, reason: "again").status == .cancelled)
            await #expect(throws: HangarError.notFound(resource: "task", id: running.id)) {
                _ = try await store.taskCancel(tenantID: "someone-else", id: running.id, reason: "x")
            }
        }
    }

    @Test("a task cancelled while its worker is lost ends cancelled, not requeued", arguments: TestBackend.allCases)
    func cancelLostWorker(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let task = try await store.submit(agent)
            _ = try await store.claim(1, lease: .milliseconds(200))
            _ = try await store.taskCancel(tenantID: Tenant.defaultID, id: task.id, reason: "user")
            try await Task.sleep(for: .milliseconds(400))
            _ = try await store.taskRescueExpired(TaskRescueParams { _ in .zero })
            #expect(try await store.taskGet(tenantID: nil, id: task.id)?.status == .cancelled)
        }
    }

    @Test("a retryable failure after a cancel request ends the task cancelled, not retried", arguments: TestBackend.allCases)
    func cancelBeatsRetry(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let task = try await store.submit(agent, maxAttempts: 3)
            let claimed = try #require(try await store.claim(1).first)
            _ = try await store.taskCancel(tenantID: Tenant.defaultID, id: task.id, reason: "user")
            // The worker had not seen the request: its attempt failed in a way that would be retried.
            let ended = try await store.taskFinish(
                TaskFinishParams(
                    taskID: task.id, leaseToken: claimed.task.leaseToken!,
                    outcome: .failed(TaskFailure(code: "provider_unavailable", message: "503", retryable: true), retryDelay: .zero)))
            #expect(ended.status == .cancelled)
            #expect(ended.error?.code == "cancelled")
            #expect(ended.completedAt != nil)
            #expect(try await store.claim(1).isEmpty, "nothing is requeued")
            #expect(try await store.statusEvents(task.id) == ["queued", "running", "cancelled"])
        }
    }

    @Test("queued tasks can be re-prioritised; running ones cannot", arguments: TestBackend.allCases)
    func updateQueued(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let low = try await store.submit(agent, priority: 1)
            let other = try await store.submit(agent, priority: 5)
            let raised = try await store.taskUpdateQueued(TaskUpdateParams(tenantID: Tenant.defaultID, id: low.id, priority: 9, timeoutSeconds: 12))
            #expect(raised.priority == 9)
            #expect(raised.timeoutSeconds == 12)
            let first = try #require(try await store.claim(1).first)
            #expect(first.task.id == low.id)
            await #expect(throws: HangarError.self) {
                _ = try await store.taskUpdateQueued(TaskUpdateParams(tenantID: Tenant.defaultID, id: low.id, priority: 2))
            }
            _ = other
        }
    }
}
