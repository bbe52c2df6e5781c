import Foundation
import HangarCore
import HangarStore
import HangarStoreSQLite
import HangarTestSupport
import Testing

@Suite("Store conformance: concurrent writes (group commit on SQLite)")
struct GroupCommitTests {
    @Test("concurrent submissions each commit on their own terms: idempotency keys hold inside a batch, a failing call spoils no other", arguments: TestBackend.allCases)
    func concurrentWrites(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            // setup: two running tasks, one of which a zombie will try to finish
            let agent = try await store.makeAgent()
            try await store.submit(agent)
            try await store.submit(agent)
            let running = try await store.claim(2)
            let before = (store as? SQLiteStore)?.writeStats

            // act: 120 submissions (every third one of 10 keys), 20 stale finishes, 1 real one, all at once
            let results = try await withThrowingTaskGroup(of: (key: String?, id: String?, fenced: Bool).self) { group in
                for index in 0..<120 {
                    group.addTask {
                        let key = index % 3 == 0 ? "key-\(index % 10)" : nil
                        let task = try await store.submit(agent, input: ["type": "generate", "prompt": .string("n\(index)")], idempotencyKey: key)
                        return (key, task.id, false)
                    }
                }
                for _ in 0..<20 {
                    group.addTask {
                        do {
                            _ = try await store.taskFinish(
                                TaskFinishParams(taskID: running[0].task.id, leaseToken: "stale", outcome: .completed(output: "zombie", usage: nil)))
                            return (nil, nil, false)
                        } catch HangarError.leaseLost {
                            return (nil, nil, true)
                        }
                    }
                }
                group.addTask {
                    (nil, try await store.complete(running[1]).id, false)
                }
                var all: [(key: String?, id: String?, fenced: Bool)] = []
                for try await result in group { all.append(result) }
                return all
            }

            // validate
            #expect(results.filter(\.fenced).count == 20, "every stale finish was refused")
            var byKey: [String: Set<String>] = [:]
            for result in results { if let key = result.key, let id = result.id { byKey[key, default: []].insert(id) } }
            #expect(byKey.count == 10 && byKey.values.allSatisfy { $0.count == 1 }, "one task per idempotency key: \(byKey)")
            let counts = try await store.taskCounts(tenantID: agent.tenantID)
            #expect(counts.byStatus[.queued] == 80 + 10, "80 without a key, 10 keys")
            #expect(counts.byStatus[.completed] == 1)
            #expect(counts.byStatus[.running] == 1)
            #expect(try await store.taskGet(tenantID: nil, id: running[0].task.id)?.output == nil, "the zombie wrote nothing")
            for result in results where result.key == nil && result.id != nil {
                #expect(try await store.taskGet(tenantID: nil, id: result.id!) != nil, "each 201 is committed")
            }
            if let before, let after = (store as? SQLiteStore)?.writeStats {
                let calls = after.calls - before.calls
                let transactions = after.transactions - before.transactions
                #expect(calls == 120 + 20 + 1, "every call went through the group commit")
                #expect(transactions < calls, "concurrent writes shared commits: \(transactions) transactions for \(calls) calls")
            }
        }
    }

    @Test("concurrent submissions (batched on PostgreSQL): every field kept, a missing agent refused alone, each with its first event", arguments: TestBackend.allCases)
    func concurrentSubmissions(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            let agent = try await store.makeAgent()
            let gone = try await store.makeAgent()
            try await store.agentDelete(tenantID: gone.tenantID, id: gone.id)
            let foreign = try await store.makeAgent(tenantID: "acme")
            let later = Date().addingTimeInterval(3600)
            let outcomes = await withTaskGroup(of: (Int, Result<TaskRecord, any Error>).self) { group in
                for index in 0..<90 {
                    group.addTask {
                        // Every fifth: a deleted agent; every seventh: another tenant's agent, named from this tenant.
                        let agentID = index % 5 == 0 ? gone.id : index % 7 == 0 ? foreign.id : agent.id
                        let params = TaskInsertParams(
                            tenantID: Tenant.defaultID, agentID: agentID, priority: index % 10, input: ["n": .int(Int64(index))],
                            options: ["tag": .string("t\(index)")], maxAttempts: 1 + index % 4, timeoutSeconds: Double(10 + index),
                            maxSteps: index.isMultiple(of: 2) ? index : nil, callbackURL: index.isMultiple(of: 3) ? "https://hooks.example/\(index)" : nil,
                            runAt: index.isMultiple(of: 4) ? later : nil)
                        do { return (index, .success(try await store.taskInsert(params).task)) } catch { return (index, .failure(error)) }
                    }
                }
                return await group.reduce(into: [Int: Result<TaskRecord, any Error>]()) { $0[$1.0] = $1.1 }
            }
            var inserted = 0
            for index in 0..<90 {
                let refused = index % 5 == 0 || index % 7 == 0
                switch outcomes[index] {
                case .success(let task)?:
                    #expect(!refused, "task \(index) should have been refused")
                    inserted += 1
                    let stored = try #require(try await store.taskGet(tenantID: Tenant.defaultID, id: task.id))
                    #expect(stored.status == .queued && stored.input == ["n": .int(Int64(index))] && stored.options == ["tag": .string("t\(index)")])
                    #expect(stored.priority == index % 10 && stored.maxAttempts == 1 + index % 4 && stored.timeoutSeconds == Double(10 + index))
                    #expect(stored.maxSteps == (index.isMultiple(of: 2) ? index : nil))
                    #expect(stored.callbackURL == (index.isMultiple(of: 3) ? "https://hooks.example/\(index)" : nil))
                    if index.isMultiple(of: 4) {
                        #expect(abs(stored.runAt.timeIntervalSince(later)) < 0.001)
                    } else {
                        #expect(abs(stored.runAt.timeIntervalSinceNow) < 60)
                    }
                    #expect(try await store.statusEvents(task.id) == ["queued"])
                case .failure(let error)?:
                    #expect(refused, "task \(index): \(error)")
                    #expect(error as? HangarError == .notFound(resource: "agent", id: index % 5 == 0 ? gone.id : foreign.id))
                case nil:
                    Issue.record("no outcome for \(index)")
                }
            }
            #expect(inserted == 90 - 18 - 13 + 3, "multiples of 5 or 7 below 90 are refused")
            #expect(try await store.taskCounts(tenantID: Tenant.defaultID).byStatus[.queued] == inserted)
            #expect(try await store.taskCounts(tenantID: "acme").byStatus[.queued] == nil, "nothing landed in the other tenant")
        }
    }
}

