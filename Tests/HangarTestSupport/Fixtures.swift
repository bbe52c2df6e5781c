import Foundation
public import HangarCore
public import HangarStore

extension HangarStore {
    /// An `llm` agent on the mock provider.
    public func makeAgent(
        name: String = "agent-\(Identifier.leaseToken().prefix(8))", tenantID: String = Tenant.defaultID, kind: String = "llm",
        maxConcurrency: Int? = nil, resources: Resources = .zero, config: JSONValue = .emptyObject
    ) async throws -> Agent {
        try await agentInsert(
            AgentInsertParams(
                tenantID: tenantID, name: name, kind: kind, model: "mock/echo", config: config, resources: resources,
                maxConcurrency: maxConcurrency))
    }

    @discardableResult
    public func submit(
        _ agent: Agent, priority: Int = 5, input: JSONValue = ["type": "generate", "prompt": "hi"], maxAttempts: Int = 3,
        timeoutSeconds: Double = 300, idempotencyKey: String? = nil
    ) async throws -> TaskRecord {
        try await taskInsert(
            TaskInsertParams(
                tenantID: agent.tenantID, agentID: agent.id, priority: priority, input: input, maxAttempts: maxAttempts,
                timeoutSeconds: timeoutSeconds, idempotencyKey: idempotencyKey)
        ).task
    }

    public func claim(
        _ limit: Int = 1, worker: String = "w1", lease: Duration = .seconds(30), capacity: Resources? = nil, kinds: [String] = []
    ) async throws -> [ClaimedTask] {
        try await taskClaim(TaskClaimParams(workerID: worker, limit: limit, leaseDuration: lease, capacity: capacity, kinds: kinds)).claimed
    }

    public func complete(_ claimed: ClaimedTask, output: JSONValue = "done") async throws -> TaskRecord {
        try await taskFinish(
            TaskFinishParams(taskID: claimed.task.id, leaseToken: claimed.task.leaseToken!, outcome: .completed(output: output, usage: nil)))
    }

    public func statusEvents(_ taskID: String) async throws -> [String] {
        try await eventList(taskID: taskID, afterSeq: 0, limit: 10_000).filter { $0.type == "status" }.compactMap { $0.data["status"]?.stringValue }
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
public func eventually(timeout: Duration = .seconds(10), every: Duration = .milliseconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: every)
    }
    return try await condition()
}

/// `workers` claimers racing on one store until the queue has stayed empty for a while: each
/// claims up to `batch`, calls `started` for each task, holds them 1–`holdMs` ms, calls
/// `finished` and completes them. For tests of limits that must hold under contention.
public func raceClaimers(
    _ store: any HangarStore, workers: Int, batch: Int, holdMs: Int = 8,
    started: @escaping @Sendable (ClaimedTask) async -> Void, finished: @escaping @Sendable (ClaimedTask) async -> Void
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<workers {
            group.addTask {
                var idle = 0
                while idle < 30 {
                    let claimed = try await store.claim(batch, worker: "w\(worker)")
                    if claimed.isEmpty {
                        idle += 1
                        try await Task.sleep(for: .milliseconds(5))
                        continue
                    }
                    idle = 0
                    for task in claimed { await started(task) }
                    try await Task.sleep(for: .milliseconds(Int.random(in: 1...holdMs)))
                    for task in claimed {
                        await finished(task)
                        _ = try await store.complete(task)
                    }
                }
            }
        }
        try await group.waitForAll()
    }
}
