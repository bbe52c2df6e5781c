public import HangarCore
public import HangarStore

/// The usage ledger kept in the store: every process sharing the database sees the same
/// spending, so a budget holds across workers.
public struct StoreUsageLedger: UsageLedger {
    let store: any HangarStore

    public init(store: any HangarStore) {
        self.store = store
    }

    public func record(_ record: UsageRecord) async throws {
        try await store.usageAppend(record)
    }

    public func spent(tenantID: String, agentID: String) async throws -> Double {
        try await store.usageCost(tenantID: tenantID, agentID: agentID)
    }
}
