import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import HangarTimers
import Testing

@Suite("Store conformance: process directory and session owners")
struct ProcessStoreTests {
    @Test("processes register and heartbeat; the live ones are listed with their session counts; a clean exit removes a process and its sessions", arguments: TestBackend.allCases)
    func directory(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            try await store.processHeartbeat(ProcessHeartbeatParams(id: "api-1", kind: "serve", internalURL: nil))
            try await store.processHeartbeat(ProcessHeartbeatParams(id: "w-1", kind: "worker", internalURL: nil))
            // A second beat updates the address (the listener is bound after the first).
            try await store.processHeartbeat(ProcessHeartbeatParams(id: "w-1", kind: "worker", internalURL: "http://127.0.0.1:7001"))
            try await store.processHeartbeat(ProcessHeartbeatParams(id: "w-2", kind: "worker", internalURL: "http://127.0.0.1:7002"))
            try await store.sessionRecord(SessionOwnerParams(id: "ses_a", tenantID: "acme", processID: "w-1"))
            try await store.sessionRecord(SessionOwnerParams(id: "ses_b", tenantID: "acme", processID: "w-1"))
            try await store.sessionRecord(SessionOwnerParams(id: "ses_c", tenantID: "globex", processID: "w-2"))

            let live = try await store.processList(liveWithin: .seconds(60))
            #expect(live.map(\.id) == ["api-1", "w-1", "w-2"])
            #expect(live.map(\.sessions) == [0, 2, 1])
            #expect(live.first { $0.id == "w-1" }?.internalURL == "http://127.0.0.1:7001" && live.first?.kind == "serve")

            // Owners by tenant: another tenant's session is not found.
            let owner = try #require(try await store.sessionOwner(tenantID: "acme", id: "ses_a", liveWithin: .seconds(60)))
            #expect(owner.processID == "w-1" && owner.alive && owner.internalURL == "http://127.0.0.1:7001")
            #expect(try await store.sessionOwner(tenantID: "acme", id: "ses_c", liveWithin: .seconds(60)) == nil)
            #expect(try await store.sessionList(tenantID: "acme", liveWithin: .seconds(60)).map(\.sessionID) == ["ses_a", "ses_b"])

            try await store.sessionRemove(id: "ses_b")
            #expect(try await store.sessionList(tenantID: "acme", liveWithin: .seconds(60)).map(\.sessionID) == ["ses_a"])

            try await store.processRemove(id: "w-1")
            #expect(try await store.processList(liveWithin: .seconds(60)).map(\.id) == ["api-1", "w-2"])
            #expect(try await store.sessionOwner(tenantID: "acme", id: "ses_a", liveWithin: .seconds(60)) == nil)
        }
    }

    @Test("a task pinned to a process is claimed only by that process; unpinned tasks by anyone", arguments: TestBackend.allCases)
    func pinnedClaim(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent(kind: "browser")
            let pinned = try await store.taskInsert(
                TaskInsertParams(tenantID: agent.tenantID, agentID: agent.id, input: ["task": "t", "session_id": "ses_a"], ownerProcess: "w-1")
            ).task
            let free = try await store.submit(agent)

            // Another process, and a claim naming no process, see only the unpinned task.
            let other = try await store.taskClaim(TaskClaimParams(workerID: "w-2", limit: 10, leaseDuration: .seconds(30), processID: "w-2"))
            #expect(other.claimed.map(\.task.id) == [free.id])
            #expect(try await store.claim(10, worker: "anon").isEmpty)
            let owner = try await store.taskClaim(TaskClaimParams(workerID: "w-1", limit: 10, leaseDuration: .seconds(30), processID: "w-1"))
            #expect(owner.claimed.map(\.task.id) == [pinned.id])
            #expect(owner.claimed.first?.task.leaseOwner == "w-1")
        }
    }

    @Test("a queued task whose session's process stopped fails, naming the session and the process; long-dead processes are forgotten", arguments: TestBackend.allCases)
    func ownerGone(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent(kind: "browser")
            try await store.processHeartbeat(ProcessHeartbeatParams(id: "w-dead", kind: "worker", internalURL: "http://127.0.0.1:7001"))
            try await store.processHeartbeat(ProcessHeartbeatParams(id: "w-live", kind: "worker", internalURL: "http://127.0.0.1:7002"))
            try await store.sessionRecord(SessionOwnerParams(id: "ses_dead", tenantID: agent.tenantID, processID: "w-dead"))
            func pinned(_ session: String, _ process: String) async throws -> TaskRecord {
                try await store.taskInsert(
                    TaskInsertParams(tenantID: agent.tenantID, agentID: agent.id, input: ["task": "t"], options: ["session_id": .string(session)], ownerProcess: process)
                ).task
            }
            let doomed = try await pinned("ses_dead", "w-dead")
            let kept = try await pinned("ses_live", "w-live")
            let unknown = try await pinned("ses_x", "w-never-registered")

            // Everyone is within the ttl: nothing happens.
            #expect(try await store.processExpire(ttl: .seconds(60), forgetAfter: .seconds(3600)).failedTasks == [unknown.id])

            // Windows of seconds, so that a loaded machine's pauses between two calls do not matter.
            // w-dead last beat 5 s ago, w-live just now: a 4 s window tells them apart even when the
            // calls below are seconds apart.
            try await Timers.sleep(for: .milliseconds(5000))
            try await store.processHeartbeat(ProcessHeartbeatParams(id: "w-live", kind: "worker", internalURL: "http://127.0.0.1:7002"))
            let owner = try #require(try await store.sessionOwner(tenantID: agent.tenantID, id: "ses_dead", liveWithin: .seconds(4)))
            #expect(!owner.alive && owner.heartbeatAt != nil, "a silent owner is reported as such, not as unknown")

            let expiry = try await store.processExpire(ttl: .seconds(4), forgetAfter: .seconds(3600))
            #expect(expiry.failedTasks == [doomed.id] && expiry.forgotten.isEmpty)
            let failed = try #require(try await store.taskGet(tenantID: nil, id: doomed.id))
            #expect(failed.status == .failed && failed.error?.code == "session_owner_gone")
            #expect(failed.error?.message.contains("ses_dead") == true && failed.error?.message.contains("w-dead") == true, "\(failed.error?.message ?? "")")
            #expect(try await store.statusEvents(doomed.id) == ["queued", "failed"])
            #expect(try await store.taskGet(tenantID: nil, id: kept.id)?.status == .queued)

            // Past forgetAfter the dead process and its sessions' rows go; the live one beats first.
            try await store.processHeartbeat(ProcessHeartbeatParams(id: "w-live", kind: "worker", internalURL: "http://127.0.0.1:7002"))
            let forgotten = try await store.processExpire(ttl: .seconds(4), forgetAfter: .seconds(4))
            #expect(forgotten.forgotten == ["w-dead"])
            #expect(try await store.sessionOwner(tenantID: agent.tenantID, id: "ses_dead", liveWithin: .seconds(60)) == nil)
            #expect(try await store.processList(liveWithin: .seconds(60)).map(\.id) == ["w-live"])
        }
    }
}
