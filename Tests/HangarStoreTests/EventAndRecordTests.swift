import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import Testing

@Suite("Store conformance: events, idempotency, retention, agents, notifications")
struct EventAndRecordTests {
    @Test("events are numbered per task without gaps, even when appended concurrently", arguments: TestBackend.allCases)
    func eventSequence(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let task = try await store.submit(agent)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<10 {
                    group.addTask {
                        for line in 0..<10 {
                            _ = try await store.eventAppend(
                                EventAppendParams(taskID: task.id, events: [NewTaskEvent(type: "log", data: ["w": .int(Int64(writer)), "l": .int(Int64(line))])]))
                        }
                    }
                }
                try await group.waitForAll()
            }
            let events = try await store.eventList(taskID: task.id, afterSeq: 0, limit: 1000)
            #expect(events.map(\.seq) == Array(1...101))
            let page = try await store.eventList(taskID: task.id, afterSeq: 95, limit: 3)
            #expect(page.map(\.seq) == [96, 97, 98])
            #expect(try await store.taskGet(tenantID: nil, id: task.id)?.lastEventSeq == 101)
        }
    }

    @Test("the same idempotency key returns the first task, also under concurrent submits", arguments: TestBackend.allCases)
    func idempotency(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let params = TaskInsertParams(tenantID: agent.tenantID, agentID: agent.id, input: ["prompt": "x"], idempotencyKey: "order-42")
            let first = try await store.taskInsert(params)
            let again = try await store.taskInsert(params)
            #expect(first.inserted && !again.inserted)
            #expect(first.task.id == again.task.id)
            #expect(try await store.taskGetByIdempotencyKey(tenantID: agent.tenantID, key: "order-42")?.id == first.task.id)
            #expect(try await store.taskGetByIdempotencyKey(tenantID: agent.tenantID, key: "order-43") == nil)
            try await store.tenantUpsert(id: "acme", name: "Acme")
            #expect(try await store.taskGetByIdempotencyKey(tenantID: "acme", key: "order-42") == nil, "keys are per tenant")

            let racers = try await withThrowingTaskGroup(of: TaskInsertResult.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await store.taskInsert(
                            TaskInsertParams(tenantID: agent.tenantID, agentID: agent.id, input: ["prompt": "y"], idempotencyKey: "race"))
                    }
                }
                return try await group.reduce(into: [TaskInsertResult]()) { $0.append($1) }
            }
            #expect(Set(racers.map(\.task.id)).count == 1)
            #expect(racers.filter(\.inserted).count == 1)
            let all = try await store.taskList(TaskListParams(tenantID: agent.tenantID, limit: 100))
            #expect(all.count == 2)
        }
    }

    @Test("retention deletes finished tasks and their events, nothing else", arguments: TestBackend.allCases)
    func retention(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let finished = try await store.submit(agent)
            _ = try await store.complete(try #require(try await store.claim(1).first))
            let running = try await store.submit(agent)
            _ = try await store.claim(1)
            let queued = try await store.submit(agent)

            #expect(try await store.taskDeleteFinished(before: Date().addingTimeInterval(-3600), limit: 100) == 0, "too recent")
            #expect(try await store.taskDeleteFinished(before: Date().addingTimeInterval(60), limit: 100) == 1)
            #expect(try await store.taskGet(tenantID: nil, id: finished.id) == nil)
            #expect(try await store.eventList(taskID: finished.id, afterSeq: 0, limit: 10).isEmpty)
            #expect(try await store.taskGet(tenantID: nil, id: running.id)?.status == .running)
            #expect(try await store.taskGet(tenantID: nil, id: queued.id)?.status == .queued)
        }
    }

    @Test("agents: unique names per tenant, lookup by name, versioned updates, soft delete", arguments: TestBackend.allCases)
    func agents(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent(name: "writer")
            await #expect(throws: HangarError.conflict("an agent named 'writer' already exists")) {
                _ = try await store.makeAgent(name: "writer")
            }
            try await store.tenantUpsert(id: "other", name: "Other")
            let otherTenants = try await store.makeAgent(name: "writer", tenantID: "other")
            #expect(otherTenants.id != agent.id)
            #expect(try await store.agentGet(tenantID: Tenant.defaultID, idOrName: "writer")?.id == agent.id)
            #expect(try await store.agentGet(tenantID: "other", idOrName: agent.id) == nil, "tenants never see each other's agents")

            var changed = agent
            changed.maxConcurrency = 4
            changed.config = ["temperature": 0.2]
            let updated = try await store.agentUpdate(AgentUpdateParams(agent: changed))
            #expect(updated.version == 2)
            #expect(updated.maxConcurrency == 4)
            #expect(updated.config == ["temperature": 0.2])

            let queued = try await store.submit(agent)
            try await store.agentDelete(tenantID: Tenant.defaultID, id: agent.id)
            #expect(try await store.agentGet(tenantID: Tenant.defaultID, idOrName: agent.id) == nil)
            #expect(try await store.taskGet(tenantID: nil, id: queued.id)?.status == .cancelled)
            #expect(try await store.agentList(AgentListParams(tenantID: Tenant.defaultID)).isEmpty)
            _ = try await store.makeAgent(name: "writer")  // the name is free again
        }
    }

    @Test("a submit wakes subscribers, also in another process's store", arguments: TestBackend.allCases)
    func notifications(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, database in
            // For PostgreSQL a second store is a second connection pool and listener, as
            // another process would have; for SQLite the broadcast is in-process.
            let observer = backend == .postgres ? try await database.open() : store
            let signals = observer.notifier.subscribe()
            let agent = try await store.makeAgent()
            let started = ContinuousClock.now
            let task = try await store.submit(agent)
            var sawWork = false
            var sawEvent = false
            for await signal in signals {
                if signal == .taskAvailable { sawWork = true }
                if case .event(let taskID, _) = signal, taskID == task.id { sawEvent = true }
                if sawWork && sawEvent { break }
            }
            #expect(sawWork && sawEvent)
            #expect(ContinuousClock.now - started < .seconds(1))
            if backend == .postgres { try await observer.close() }
        }
    }
}

