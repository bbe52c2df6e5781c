import Foundation
public import HangarCore

/// Tokens and cost of model calls; budgets and usage reports read it.
public protocol UsageStore: Sendable {
    func usageAppend(_ record: UsageRecord) async throws
    /// Usage since `since`, summed per UTC day and model, oldest day first (models by name
    /// within a day). `agentID` nil: the whole tenant. `since` is a UTC midnight: usage folded
    /// by `usageCompact` counts per whole day.
    func usageDaily(tenantID: String, agentID: String?, since: Date) async throws -> [UsageDay]
    /// USD spent over all time. `agentID` nil: the whole tenant.
    func usageCost(tenantID: String, agentID: String?) async throws -> Double
    /// Folds up to `limit` of the oldest usage records created before `before` into per-day
    /// totals, which `usageDaily` and `usageCost` keep counting, and deletes them (retention).
    /// Returns how many records were folded.
    func usageCompact(before: Date, limit: Int) async throws -> Int
}
