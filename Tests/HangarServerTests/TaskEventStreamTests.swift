import Foundation
import HangarCore
@testable import HangarServer
import HangarStore
import HangarTestSupport
import Synchronization
import Testing

/// The one follow loop behind the task SSE stream, the log SSE stream and the WebSocket hub.
@Suite("TaskEventStream: backlog, live events, the end, idle periods")
struct TaskEventStreamTests {
    /// Everything a follow produced.
    final class Recorder: Sendable {
        let seqs = Mutex<[Int64]>([])
        let idles = Atomic<Int>(0)
        let finished = Mutex<TaskRecord?>(nil)
        let pages = Atomic<Int>(0)

        func record(_ item: TaskEventStream.Item) {
            switch item {
            case .events(let events, let final):
                pages.add(1, ordering: .relaxed)
                seqs.withLock { $0 += events.map(\.seq) }
                if let final { finished.withLock { $0 = final } }
            case .idle:
                idles.add(1, ordering: .relaxed)
            }
        }
    }

    func log(_ store: any HangarStore, _ claimed: ClaimedTask, _ message: String) async throws {
        _ = try await store.eventAppend(
            EventAppendParams(
                taskID: claimed.task.id, leaseToken: claimed.task.leaseToken, events: [NewTaskEvent(type: "log", data: ["message": .string(message)])]))
    }

    @Test("a running task: the backlog, then live events written by another process, to the final status and no further", arguments: TestBackend.allCases)
    func live(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, database in
            let agent = try await store.makeAgent()
            let task = try await store.submit(agent)
            let claimed = try #require(try await store.claim(1).first)
            try await log(store, claimed, "before")
            // On PostgreSQL a second store on the same database, as another process: its writes
            // reach the follower only through LISTEN/NOTIFY. SQLite serves one process.
            let writer = backend == .postgres ? try await database.open() : store
            let recorder = Recorder()
            let follow = Task {
                // A long keep-alive: delivery must come from the wake-ups, not from a timed re-read.
                try await TaskEventStream(store: store, taskID: task.id).follow(after: 0, keepAlive: .seconds(60)) { recorder.record($0) }
            }
            #expect(await eventually { recorder.seqs.withLock { $0 } == [1, 2, 3] }, "queued, running, the first log")
            let started = ContinuousClock.now
            for index in 0..<5 { try await log(writer, claimed, "live \(index)") }
            #expect(await eventually(timeout: .seconds(3)) { recorder.seqs.withLock { $0.count } == 8 })
            #expect(ContinuousClock.now - started < .seconds(3))
            _ = try await writer.complete(claimed)
            try await follow.value
            #expect(recorder.seqs.withLock { $0 } == Array(1...9), "every event once, in order, none after the final one")
            #expect(recorder.finished.withLock { $0 }?.status == .completed)
            #expect(recorder.finished.withLock { $0 }?.output == "done")
            if backend == .postgres { try await writer.close() }
        }
    }

    @Test("a task that already ended: the backlog in pages, then the end at once", arguments: TestBackend.allCases)
    func ended(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let task = try await store.submit(agent)
            let claimed = try #require(try await store.claim(1).first)
            for index in 0..<7 { try await log(store, claimed, "line \(index)") }
            _ = try await store.complete(claimed)
            let recorder = Recorder()
            try await TaskEventStream(store: store, taskID: task.id, pageSize: 3).follow(after: 0, keepAlive: .seconds(60)) { recorder.record($0) }
            #expect(recorder.seqs.withLock { $0 } == Array(1...10))
            #expect(recorder.pages.load(ordering: .relaxed) == 4, "pages of 3, 3, 3, 1")
            #expect(recorder.finished.withLock { $0 }?.status == .completed)

            // Resumed at its end: nothing to send, and the follow does not wait for more.
            let resumed = Recorder()
            let start = ContinuousClock.now
            try await TaskEventStream(store: store, taskID: task.id).follow(after: 10, keepAlive: .seconds(60)) { resumed.record($0) }
            #expect(resumed.seqs.withLock { $0 }.isEmpty)
            #expect(ContinuousClock.now - start < .seconds(2))
        }
    }

    @Test("quiet periods are reported as idle; cancelling the caller ends the follow", arguments: [TestBackend.sqlite])
    func idle(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let task = try await store.submit(agent)
            let recorder = Recorder()
            let follow = Task {
                try await TaskEventStream(store: store, taskID: task.id).follow(after: 0, keepAlive: .milliseconds(100)) { recorder.record($0) }
            }
            #expect(await eventually { recorder.idles.load(ordering: .relaxed) >= 3 })
            #expect(recorder.seqs.withLock { $0 } == [1])
            let start = ContinuousClock.now
            follow.cancel()
            _ = await follow.result
            #expect(ContinuousClock.now - start < .seconds(1), "the wait ends with the caller, not after keep-alive periods")
        }
    }
}
