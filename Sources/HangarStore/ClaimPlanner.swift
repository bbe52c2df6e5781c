public import HangarCore

/// The claim policy, shared by every backend so that both order work the same way.
/// Backends fetch candidates (already the best few per tenant, in priority/FIFO order) and
/// exact running counts under their locks; the planner picks which to claim:
///
/// - higher priority first;
/// - among equal priority, the tenant with the fewest running tasks (counting the ones
///   picked in this round), so one tenant's backlog cannot starve another's;
/// - then FIFO (`position`);
/// - never beyond an agent's `max_concurrency`, nor beyond the worker's free capacity.
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

        public init(
            taskID: String, tenantID: String, agentID: String, priority: Int, position: Int64, maxConcurrency: Int?,
            resources: Resources
        ) {
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
        capacity: Resources?
    ) -> [Candidate] {
        var remaining = candidates
        var agentCounts = agentRunning
        var tenantCounts = tenantRunning
        var free = capacity
        var chosen: [Candidate] = []
        while chosen.count < limit, !remaining.isEmpty {
            // Drop what can no longer run in this round.
            remaining.removeAll { candidate in
                if let max = candidate.maxConcurrency, agentCounts[candidate.agentID, default: 0] >= max { return true }
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
