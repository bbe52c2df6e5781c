import HangarTimers

/// The whole storage contract, as SQLite and PostgreSQL implement it: every area below.
/// Only the composition root holds one of these; each consumer takes the areas it uses
/// (`any TaskStore & EventStore`), so what a component can touch is visible in its type.
///
/// Every method is one transaction: a call that returns has committed, and a call that
/// throws has changed nothing. Names are noun-then-verb with a parameter struct
/// (`taskClaim(_:)`), as River does, so the contract is easy to scan and to extend.
public protocol HangarStore:
    StoreLifecycle, StoreHealth, NotifyingStore,
    IdentityStore, AuditStore, QuotaStore, IncidentStore, SecretStore, AgentStore, UsageStore, ChatStore,
    TaskStore, TaskLeaseStore, EventStore, WebhookStore, ProcessStore, WorkflowStore, BotStore
{}

/// Opening, migrating and closing the database.
public protocol StoreLifecycle: Sendable {
    /// Applies pending migrations. Safe to call from many processes at once.
    func migrate() async throws
    /// Cheap round trip, for readiness.
    func ping() async throws
    func close() async throws
}

/// Push wake-ups (work available, cancellation requested, new events), so that waiting
/// components do not poll.
public protocol NotifyingStore: Sendable {
    var notifier: any QueueNotifier { get }
    /// True while signals published by other processes reach `notifier` (always, for a store
    /// that serves one process). A signal sent while this is false is not delivered, so
    /// whoever depends on one from elsewhere waits for it first (`waitUntilListening`).
    var notificationsListening: Bool { get }
}

extension NotifyingStore {
    /// Waits until `notificationsListening`, for at most `limit`; returns whether it is.
    public func waitUntilListening(within limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while !notificationsListening {
            guard ContinuousClock.now < deadline else { return false }
            try await Timers.sleep(for: .milliseconds(10))
        }
        return true
    }
}
