import GRDB
import HangarStore
import Synchronization

/// Group commit for SQLite's single writer: write calls that arrive while a transaction is
/// committing queue up, and the next transaction runs all of them, each in its own savepoint,
/// then commits once. Every caller still returns only after the commit that holds its work
/// (durable before it answers), and a call that throws has changed nothing (its savepoint is
/// rolled back; the others in the batch are unaffected). Calls in one batch run one after
/// the other in arrival order, so each sees the ones before it, as serial transactions would.
///
/// A lone call is not delayed: the drainer takes whatever is queued the moment the writer is
/// free. Under load the commit (and its WAL append) is shared by up to `maxBatch` calls.
final class GroupCommit: Sendable {
    private struct State {
        var pending: [any BatchedWrite] = []
        var draining = false
    }

    private let state = Mutex(State())
    /// Transactions committed and write calls they carried, for tests and tuning.
    let transactions = Atomic<Int>(0)
    let calls = Atomic<Int>(0)
    let pool: DatabasePool
    let broadcaster: SignalBroadcaster
    /// Bounds one transaction, so one commit does not hold a crowd of callers for long.
    static let maxBatch = 128

    init(pool: DatabasePool, broadcaster: SignalBroadcaster) {
        self.pool = pool
        self.broadcaster = broadcaster
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (Database, inout [QueueSignal]) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(WriteJob(body: body, continuation: continuation))
        }
    }

    private func enqueue(_ job: any BatchedWrite) {
        let start = state.withLock { state -> Bool in
            state.pending.append(job)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        if start { commitNext() }
    }

    /// Commits what is queued, then (on the writer's queue, as the commit completes) the next
    /// batch, until the queue is empty. Runs on GRDB's writer queue only: no task of its own to
    /// schedule on the cooperative pool, which a busy process may keep waiting, and a cancelled
    /// caller cannot cancel the others' commit.
    private func commitNext() {
        let batch = state.withLock { state -> [any BatchedWrite] in
            let count = min(state.pending.count, Self.maxBatch)
            let batch = Array(state.pending.prefix(count))
            state.pending.removeFirst(count)
            if batch.isEmpty { state.draining = false }
            return batch
        }
        guard !batch.isEmpty else { return }
        pool.asyncWrite { db in
            for job in batch {
                job.run(db)
                // An error SQLite answers by rolling back the whole transaction (disk full, I/O
                // error) must not leave the next calls running in autocommit mode: fail the batch.
                if !db.isInsideTransaction { throw TransactionLost() }
            }
        } completion: { _, result in
            var failure: (any Error)?
            if case .failure(let error) = result { failure = error }
            if failure == nil {
                self.transactions.add(1, ordering: .relaxed)
                self.calls.add(batch.count, ordering: .relaxed)
                self.broadcaster.publish(batch.flatMap { $0.signals }.deduplicated())
            }
            for job in batch { job.resume(commitFailure: failure) }
            self.commitNext()
        }
    }
}

/// The batch's transaction ended under it (SQLite rolled it back after an error).
struct TransactionLost: Error, CustomStringConvertible {
    var description: String { "the write transaction was rolled back by SQLite; nothing in it was committed" }
}

/// One queued write call.
protocol BatchedWrite: Sendable {
    /// Runs the call in a savepoint of the batch's transaction, keeping its outcome.
    func run(_ db: Database)
    /// What the call signals once committed (nothing when it failed).
    var signals: [QueueSignal] { get }
    /// Returns to the caller: its value, its own error, or the batch's commit failure.
    func resume(commitFailure: (any Error)?)
}

private final class WriteJob<T: Sendable>: BatchedWrite {
    let body: @Sendable (Database, inout [QueueSignal]) throws -> T
    let continuation: CheckedContinuation<T, any Error>
    private let outcome = Mutex<Result<(T, [QueueSignal]), any Error>?>(nil)

    init(body: @Sendable @escaping (Database, inout [QueueSignal]) throws -> T, continuation: CheckedContinuation<T, any Error>) {
        self.body = body
        self.continuation = continuation
    }

    func run(_ db: Database) {
        let result: Result<(T, [QueueSignal]), any Error>
        do {
            var signals: [QueueSignal] = []
            var value: T?
            try db.inSavepoint {
                value = try body(db, &signals)
                return .commit
            }
            result = .success((value!, signals))
        } catch {
            result = .failure(error)
        }
        outcome.withLock { $0 = result }
    }

    var signals: [QueueSignal] {
        outcome.withLock { outcome in
            if case .success(let (_, signals)) = outcome { return signals }
            return []
        }
    }

    func resume(commitFailure: (any Error)?) {
        let result = outcome.withLock { $0 }
        if let commitFailure { return continuation.resume(throwing: commitFailure) }
        switch result {
        case .success(let (value, _)): continuation.resume(returning: value)
        case .failure(let error): continuation.resume(throwing: error)
        case nil: continuation.resume(throwing: CancellationError())
        }
    }
}
