public import HangarCore
public import HangarStore
import Synchronization

/// The usage ledger kept in the store: every process sharing the database sees the same
/// spending, so a budget holds across workers.
public struct StoreUsageLedger: UsageLedger {
    let store: any UsageStore

    public init(store: any UsageStore) {
        self.store = store
    }

    public func record(_ record: UsageRecord) async throws {
        try await store.usageAppend(record)
    }

    public func spent(tenantID: String, agentID: String) async throws -> Double {
        try await store.usageCost(tenantID: tenantID, agentID: agentID)
    }
}

/// One attempt's view of a store ledger: its model calls are kept until the attempt ends and
/// then written in the transaction that records the outcome (`TaskFinishParams.usage`), so an
/// attempt costs one commit, not one more per model call. A budget check during the attempt
/// sees the committed spending plus the attempt's own pending calls, as if each had been
/// written when it returned.
///
/// Whatever the worker cannot hand to `taskFinish` (the lease was lost, recording failed) it
/// writes on its own with `flush()`: spent money is recorded whatever became of the attempt.
public final class AttemptUsageLedger: UsageLedger {
    let base: any UsageLedger
    private struct State {
        var pending: [UsageRecord] = []
        /// After `take()`/`flush()`, late calls go straight to the base ledger.
        var closed = false
    }
    private let state = Mutex(State())

    public init(base: any UsageLedger) {
        self.base = base
    }

    public func record(_ record: UsageRecord) async throws {
        let deferred = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.pending.append(record)
            return true
        }
        if !deferred { try await base.record(record) }
    }

    public func spent(tenantID: String, agentID: String) async throws -> Double {
        let committed = try await base.spent(tenantID: tenantID, agentID: agentID)
        let pending = state.withLock { state in
            state.pending.lazy.filter { $0.tenantID == tenantID && $0.agentID == agentID }.reduce(0.0) { $0 + $1.costUSD }
        }
        return committed + pending
    }

    /// The pending records, for `taskFinish`; from now on records go to the base ledger.
    public func take() -> [UsageRecord] {
        state.withLock { state in
            state.closed = true
            defer { state.pending = [] }
            return state.pending
        }
    }

    /// Writes `records` (taken but not committed with an outcome) through the base ledger.
    public func flush(_ records: [UsageRecord]) async throws {
        for record in records { try await base.record(record) }
    }
}
