public import HangarCore

/// The claim policy, shared by every backend so that both order work the same way.
/// Backends fetch candidates (already the best few per tenant, in priority/FIFO order) and
/// exact running counts under their locks; the planner picks which to claim:
///
/// - higher priority first;
/// - among equal priority, the tenant with the fewest running tasks (counting the ones
///   picked in this round), so one tenant's backlog cannot starve another's;
/// - then FIFO (`position`);
/// - never beyond an agent's `max_concurrency`, a tenant's concurrent-task or reservation
///   quota (cpu / memory / gpu of its running tasks together), nor the worker's free capacity.
public enum ClaimPlanner {
    public struct Candidate: Sendable, Hashable {
        public var taskID: String
        public var tenantID: String
        public var agentID: String
        public var priority: Int
        /// Insertion order (a monotonic sequence), for FIFO.
        public var position: Int64
        public var maxConcurrency: Int?
        public var resources: Resources
        /// The tenant's quota of running tasks.
        public var tenantMaxConcurrency: Int?
        /// The tenant's reservation quota (`TenantQuota.reservationLimit`).
        public var tenantMaxResources: Resources?

        public init(
            taskID: String, tenantID: String, agentID: String, priority: Int, position: Int64, maxConcurrency: Int?,
            resources: Resources, tenantMaxConcurrency: Int? = nil, tenantMaxResources: Resources? = nil
        ) {
            self.tenantMaxConcurrency = tenantMaxConcurrency
            self.tenantMaxResources = tenantMaxResources
            self.taskID = taskID
            self.tenantID = tenantID
            self.agentID = agentID
            self.priority = priority
            self.position = position
            self.maxConcurrency = maxConcurrency
            self.resources = resources
        }
    }

    public static func plan(
        candidates: [Candidate], limit: Int, agentRunning: [String: Int], tenantRunning: [String: Int],
        tenantReserved: [String: Resources] = [:], capacity: Resources?
    ) -> [Candidate] {
        var remaining = candidates
        var agentCounts = agentRunning
        var tenantCounts = tenantRunning
        var reserved = tenantReserved
        var free = capacity
        var chosen: [Candidate] = []
        while chosen.count < limit, !remaining.isEmpty {
            // Drop what can no longer run in this round.
            remaining.removeAll { candidate in
                if let max = candidate.maxConcurrency, agentCounts[candidate.agentID, default: 0] >= max { return true }
                if let max = candidate.tenantMaxConcurrency, tenantCounts[candidate.tenantID, default: 0] >= max { return true }
                if let max = candidate.tenantMaxResources, !(reserved[candidate.tenantID, default: .zero] + candidate.resources).fits(in: max) {
                    return true
                }
                if let free, !candidate.resources.fits(in: free) { return true }
                return false
            }
            guard
                let best = remaining.indices.min(by: { lhs, rhs in
                    isBefore(remaining[lhs], remaining[rhs], tenantCounts)
                })
            else { break }
            let pick = remaining.remove(at: best)
            chosen.append(pick)
            agentCounts[pick.agentID, default: 0] += 1
            tenantCounts[pick.tenantID, default: 0] += 1
            reserved[pick.tenantID, default: .zero] = reserved[pick.tenantID, default: .zero] + pick.resources
            if let current = free { free = current - pick.resources }
        }
        return chosen
    }

    private static func isBefore(_ lhs: Candidate, _ rhs: Candidate, _ tenantRunning: [String: Int]) -> Bool {
        if lhs.priority != rhs.priority { return lhs.priority > rhs.priority }
        let lhsLoad = tenantRunning[lhs.tenantID, default: 0]
        let rhsLoad = tenantRunning[rhs.tenantID, default: 0]
        if lhsLoad != rhsLoad { return lhsLoad < rhsLoad }
        return lhs.position < rhs.position
    }
}

extension ClaimPlanner {
    /// What a backend learns about candidates under its locks.
    public struct Counts: Sendable {
        /// Running tasks per limited agent (committed state).
        public var agentRunning: [String: Int]
        /// Running tasks per tenant, when candidates span several tenants or a tenant has a quota.
        public var tenantRunning: [String: Int]
        /// What the running tasks of tenants with a reservation quota hold together.
        public var tenantReserved: [String: Resources]
        /// Agents whose tasks must be left alone this time (another claimer holds their lock).
        public var unavailableAgents: Set<String>
        /// Likewise for tenants with a concurrency quota.
        public var unavailableTenants: Set<String>

        public init(
            agentRunning: [String: Int], tenantRunning: [String: Int], tenantReserved: [String: Resources] = [:],
            unavailableAgents: Set<String> = [], unavailableTenants: Set<String> = []
        ) {
            self.agentRunning = agentRunning
            self.tenantRunning = tenantRunning
            self.tenantReserved = tenantReserved
            self.unavailableAgents = unavailableAgents
            self.unavailableTenants = unavailableTenants
        }
    }

}

/// Chooses up to `limit` candidates inside one claim transaction, in rounds: when the best
/// candidates belong to agents that a round saturates, the next round fetches again without
/// those agents, so a limited agent's deep backlog cannot hide the rest of the queue.
///
/// A state machine, so that synchronous (SQLite) and asynchronous (PostgreSQL) backends
/// drive the same policy:
///
/// ```
/// var selection = ClaimSelection(limit: n, capacity: free)
/// while let excluded = selection.nextExclusion {
///     let (candidates, truncated) = fetch(excluding: excluded)   // best few per tenant
///     let pending = selection.fetched(candidates, truncated: truncated)
///     if !pending.isEmpty { selection.counted(count(pending)) }   // exact counts, under locks
/// }
/// claim(selection.chosen)
/// ```
public struct ClaimSelection: Sendable {
    public private(set) var chosen: [ClaimPlanner.Candidate] = []
    private let limit: Int
    private let capacity: Resources?
    private let maxRounds: Int
    private var round = 0
    private var done = false
    private var excluded = Set<String>()
    private var chosenIDs = Set<String>()
    private var pending: [ClaimPlanner.Candidate] = []
    private var truncated = false

    public init(limit: Int, capacity: Resources?, maxRounds: Int = 4) {
        self.limit = limit
        self.capacity = capacity
        self.maxRounds = maxRounds
        done = limit <= 0
    }

    /// Tenants whose running counts the backend must provide (several tenants, or a quota).
    public static func tenantsToCount(_ pending: [ClaimPlanner.Candidate]) -> Set<String> {
        let tenants = Set(pending.map(\.tenantID))
        return tenants.count > 1 || pending.contains(where: { $0.tenantMaxConcurrency != nil }) ? tenants : []
    }

    /// Tenants with a concurrency or reservation quota: their claimers serialise on a tenant
    /// lock, so two claimers cannot both take the last unit of a quota.
    public static func tenantsToLock(_ pending: [ClaimPlanner.Candidate]) -> Set<String> {
        Set(pending.filter { $0.tenantMaxConcurrency != nil || $0.tenantMaxResources != nil }.map(\.tenantID))
    }

    /// Tenants whose running tasks' reservations the backend must sum.
    public static func tenantsToReserve(_ pending: [ClaimPlanner.Candidate]) -> Set<String> {
        Set(pending.filter { $0.tenantMaxResources != nil }.map(\.tenantID))
    }

    /// Agents to leave out of the next fetch; `nil` once the selection is complete.
    public var nextExclusion: Set<String>? { done ? nil : excluded }

    /// Takes one fetch; returns the candidates whose running counts are needed next
    /// (empty when there is nothing left to choose from).
    public mutating func fetched(_ candidates: [ClaimPlanner.Candidate], truncated: Bool) -> [ClaimPlanner.Candidate] {
        pending = candidates.filter { !chosenIDs.contains($0.taskID) && !excluded.contains($0.agentID) }
        self.truncated = truncated
        if pending.isEmpty { done = true }
        return pending
    }

    public mutating func counted(_ counts: ClaimPlanner.Counts) {
        excluded.formUnion(counts.unavailableAgents)
        let usable = pending.filter { !counts.unavailableAgents.contains($0.agentID) && !counts.unavailableTenants.contains($0.tenantID) }
        var agentRunning = counts.agentRunning
        var tenantRunning = counts.tenantRunning
        var tenantReserved = counts.tenantReserved
        for pick in chosen {
            agentRunning[pick.agentID, default: 0] += 1
            tenantRunning[pick.tenantID, default: 0] += 1
            tenantReserved[pick.tenantID, default: .zero] = tenantReserved[pick.tenantID, default: .zero] + pick.resources
        }
        let remaining = capacity.map { chosen.reduce($0) { $0 - $1.resources } }
        let picked = ClaimPlanner.plan(
            candidates: usable, limit: limit - chosen.count, agentRunning: agentRunning, tenantRunning: tenantRunning,
            tenantReserved: tenantReserved, capacity: remaining)
        chosen += picked
        chosenIDs.formUnion(picked.map(\.taskID))
        round += 1
        guard truncated, chosen.count < limit, round < maxRounds else {
            done = true
            return
        }
        for pick in picked { agentRunning[pick.agentID, default: 0] += 1 }
        let saturated = Set(
            usable.filter { candidate in
                candidate.maxConcurrency.map { agentRunning[candidate.agentID, default: 0] >= $0 } ?? false
            }.map(\.agentID))
        if saturated.isSubset(of: excluded) {
            done = true
        } else {
            excluded.formUnion(saturated)
        }
    }
}
