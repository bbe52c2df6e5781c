import HangarCore
import Synchronization

/// Why an attempt was stopped from outside.
public enum StopReason: Sendable, Equatable {
    case cancelled
    case timeout
    /// Another attempt owns the task now: record nothing.
    case leaseLost
    case shutdown
}

/// One running attempt: its lease, and a handle to stop it. The first stop reason wins.
final class Execution: Sendable {
    let taskID: String
    let leaseToken: String
    let resources: Resources
    private let state = Mutex<(reason: StopReason?, task: Task<ExecutionResult, any Error>?)>((nil, nil))

    init(taskID: String, leaseToken: String, resources: Resources = .zero) {
        self.taskID = taskID
        self.leaseToken = leaseToken
        self.resources = resources
    }

    var stopReason: StopReason? { state.withLock { $0.reason } }

    func attach(_ task: Task<ExecutionResult, any Error>) {
        let stopNow = state.withLock { state -> Bool in
            state.task = task
            return state.reason != nil
        }
        if stopNow { task.cancel() }
    }

    func stop(_ reason: StopReason) {
        let task = state.withLock { state -> Task<ExecutionResult, any Error>? in
            guard state.reason == nil else { return nil }
            state.reason = reason
            return state.task
        }
        task?.cancel()
    }
}
