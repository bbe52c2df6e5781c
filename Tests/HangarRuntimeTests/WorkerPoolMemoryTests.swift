import Foundation
import HangarCore
import HangarRuntime
import HangarStore
import HangarTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A pool runs for months: what it keeps per executed task must be released when the task
/// ends. (Issue 23: finished attempts stayed allocated in the pool's task group, 6–13 KB a
/// task, for the life of the process.)
@Suite("Worker pool memory", .serialized)
struct WorkerPoolMemoryTests {
    /// Does nothing, so the only memory an attempt holds is the pool's own bookkeeping.
    struct NoOp: AgentExecutor {
        func execute(_ context: TaskContext) async throws -> ExecutionResult { ExecutionResult(output: "ok") }
    }

    @Test("a second batch of executed tasks adds (almost) nothing to the heap", arguments: [TestBackend.sqlite])
    func flatHeap(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent(kind: "noop")
            let harness = PoolHarness(store: store, registry: ExecutorRegistry(["noop": NoOp()]), configuration: .testing(concurrency: 16))
            let batch = 3000
            try await run(500, agent: agent, store: store, pool: harness.pool)  // warm-up: caches, pools, arenas
            let before = heapBytes()
            try await run(batch, agent: agent, store: store, pool: harness.pool)
            let middle = heapBytes()
            try await run(batch, agent: agent, store: store, pool: harness.pool)
            let after = heapBytes()
            try await harness.stop()
            let perTask = Double(after - middle) / Double(batch)
            print("\(backend) resident after trim: \(before) → \(middle) → \(after) bytes; second batch \(Int(perTask)) B/task")
            // The leak this guards against kept 6–19 KB per task. What remains on SQLite is its
            // page cache following the database as it grows (about 1 KB of rows and events per
            // task, up to the cache's size); PostgreSQL's cache lives in its own server.
            #expect(perTask < (backend == .sqlite ? 3072 : 1024), "each executed task kept \(Int(perTask)) bytes")
        }
    }

    /// Submits `count` tasks and waits until every one has finished and the pool is idle.
    private func run(_ count: Int, agent: Agent, store: any HangarStore, pool: WorkerPool) async throws {
        for _ in 0..<count { try await store.submit(agent, input: ["x": 1]) }
        let drained = try await eventually(timeout: .seconds(120), every: .milliseconds(50)) {
            let counts = try await store.taskCounts(tenantID: nil).byStatus
            return (counts[.queued] ?? 0) == 0 && (counts[.running] ?? 0) == 0 && pool.runningCount == 0
        }
        #expect(drained)
    }

    /// Resident bytes after handing freed heap pages back to the system (glibc's
    /// `malloc_trim`, looked up at run time: `<malloc.h>` is not in Swift's Glibc module), so
    /// what remains is what is still allocated, give or take a page per arena.
    private func heapBytes() -> Int {
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(nil, "malloc_trim") {  // nil: RTLD_DEFAULT
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        }
        let fields = ((try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "").split(separator: " ")
        return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
