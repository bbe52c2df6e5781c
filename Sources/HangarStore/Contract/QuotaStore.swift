import Foundation
public import HangarCore

/// Tenant quotas and rate-limit buckets, shared by every process on the database.
public protocol QuotaStore: Sendable {
    func quotaGet(tenantID: String) async throws -> TenantQuota
    /// Sets the limits; `tokensUsed` is the store's own count and is left as it is.
    func quotaSet(_ quota: TenantQuota) async throws
    /// Starts the tenant's token budget afresh.
    func quotaTokensReset(tenantID: String) async throws
    /// Takes one token from the bucket `key` (capacity, refilled continuously), atomically.
    func rateLimitTake(key: String, capacity: Double, refillPerSecond: Double) async throws -> RateLimitDecision
    /// Deletes buckets untouched since `idleSince` (a bucket idle for its whole period is full, the
    /// same as no row), so the table holds recent callers only; returns how many went.
    func rateLimitPrune(idleSince: Date) async throws -> Int
}
