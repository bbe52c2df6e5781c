import HangarCore
import Prometheus
import Synchronization

/// `agent_tasks_total` is labelled by agent id, so without a rule it would keep one series per
/// agent ever seen for the life of the process. Two rules bound it: an agent's series are
/// dropped when the agent is deleted in this process, and at most `limit` agents keep series,
/// the least recently counted dropped first (a worker process never hears of deletions made
/// by `hangar serve`). A dropped series that counts again restarts at 0, which Prometheus
/// reads as a counter reset.
final class AgentSeries: Sendable {
    let limit: Int
    private struct State {
        var lastUse: [String: UInt64] = [:]
        var clock: UInt64 = 0
    }
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Marks `agentID` as counted now; returns the agent whose series must go to make room.
    func touch(_ agentID: String) -> String? {
        state.withLock { state in
            state.clock += 1
            let now = state.clock
            let isNew = state.lastUse.updateValue(now, forKey: agentID) == nil
            guard isNew, state.lastUse.count > limit else { return nil }
            guard let oldest = state.lastUse.min(by: { $0.value < $1.value })?.key else { return nil }
            state.lastUse[oldest] = nil
            return oldest
        }
    }

    /// Forgets `agentID`; true if it had series.
    func remove(_ agentID: String) -> Bool {
        state.withLock { $0.lastUse.removeValue(forKey: agentID) != nil }
    }

    var count: Int { state.withLock { $0.lastUse.count } }
}

extension HangarMetrics {
    /// Agents with `agent_tasks_total` series in this process (at most `agentSeriesLimit`).
    public var agentSeriesCount: Int { agentSeries.count }

    /// Counts a task of `agentID` that reached `status`, making room under the agent cap first.
    func countAgentTask(agentID: String, status: TaskStatus) {
        if let evicted = agentSeries.touch(agentID) { unregisterAgentTasks(evicted) }
        agentTaskCounter(agentID: agentID, status: status).increment()
    }

    /// Drops the deleted agent's series (`DELETE /api/v1/agents/{id}`).
    public func agentDeleted(_ agentID: String) {
        if agentSeries.remove(agentID) { unregisterAgentTasks(agentID) }
    }

    private func unregisterAgentTasks(_ agentID: String) {
        for status in TaskStatus.allCases where status.isFinal {
            registry.unregisterCounter(agentTaskCounter(agentID: agentID, status: status))
        }
    }
}
