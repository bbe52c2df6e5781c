import Foundation
import HangarCore
import HangarStore
import Synchronization

/// Seed 000's `estimated_completion` on a submitted task: when it should end, from where it
/// joins the queue and how long the agent's recent tasks took.
///
/// `now + typical run × (1 + queued ahead ÷ tasks running)`: the tasks running stand for the
/// capacity draining the queue (at least one). The typical run is the mean of the agent's last
/// completed tasks; an agent with none yet uses the task's timeout, the longest it may run.
/// Both inputs are read from the store at most once per `queueTTL` / `agentTTL` (an agent with no
/// history: `queueTTL`), so a flood of submissions costs no extra queries; the per-agent means
/// are bounded (`maxAgents`).
final class CompletionEstimator: Sendable {
    static let recentTasks = 20
    let store: any TaskStore
    let queueTTL: Duration
    let agentTTL: Duration
    let maxAgents: Int
    private let state = Mutex(State())

    private struct State {
        var load: (value: TaskQueueLoad, read: ContinuousClock.Instant)?
        var means: [String: (seconds: Double?, read: ContinuousClock.Instant)] = [:]
    }

    init(store: any TaskStore, queueTTL: Duration = .seconds(1), agentTTL: Duration = .seconds(30), maxAgents: Int = 1000) {
        self.store = store
        self.queueTTL = queueTTL
        self.agentTTL = agentTTL
        self.maxAgents = maxAgents
    }

    /// `nil` for a task no longer queued (a replayed submission that already ran).
    func estimate(_ task: TaskRecord, now: Date = Date()) async throws -> Date? {
        guard task.status == .queued else { return nil }
        let load = try await queueLoad()
        let run = try await meanRun(agentID: task.agentID) ?? task.timeoutSeconds
        // The new task is itself counted among the queued at its priority.
        let ahead = max(0, load.queued(atOrAbove: task.priority) - 1)
        let waves = 1 + Double(ahead) / Double(max(1, load.running))
        return max(now, task.runAt).addingTimeInterval(run * waves)
    }

    private func queueLoad() async throws -> TaskQueueLoad {
        let now = ContinuousClock.now
        if let cached = state.withLock({ $0.load }), now - cached.read < queueTTL { return cached.value }
        let load = try await store.taskQueueLoad()
        state.withLock { $0.load = (load, now) }
        return load
    }

    private func meanRun(agentID: String) async throws -> Double? {
        let now = ContinuousClock.now
        // No history yet is remembered only briefly: the agent's first tasks are about to give one.
        if let cached = state.withLock({ $0.means[agentID] }), now - cached.read < (cached.seconds == nil ? queueTTL : agentTTL) {
            return cached.seconds
        }
        let durations = try await store.taskRecentDurations(agentID: agentID, limit: Self.recentTasks).filter { $0 >= 0 }
        let mean = durations.isEmpty ? nil : durations.reduce(0, +) / Double(durations.count)
        state.withLock { state in
            if state.means.count >= maxAgents, state.means[agentID] == nil {
                // Forget the stalest entries; they are re-read on their next use.
                let expired = state.means.filter { now - $0.value.read >= agentTTL }.map(\.key)
                for key in expired { state.means[key] = nil }
                if state.means.count >= maxAgents { state.means.removeAll(keepingCapacity: true) }
            }
            state.means[agentID] = (mean, now)
        }
        return mean
    }
}
