import Foundation
public import HangarCore

/// What becomes of a task when an attempt ends, when its worker's lease expires, or when a
/// caller cancels it. These are the queue's promises (retry only what is retryable and only
/// while attempts remain; a cancel asked of a lost worker's task is honoured; every change is
/// one status event), decided here once for every backend, as `ClaimPlanner` decides claims.
/// A backend reads the few facts a decision needs under its lock, asks here, and writes what
/// the answer says: the status, the error column, the status event, webhooks for a final
/// status, and the signals.
public enum TaskTransitions {
    /// Where a running task goes.
    public struct Move: Sendable, Equatable {
        public enum Target: Sendable, Equatable {
            /// Back to the queue, runnable again after the delay.
            case requeue(after: Duration)
            /// A final status.
            case end(TaskStatus)
        }

        public var target: Target
        /// The task's `error` afterwards (nil clears it).
        public var error: TaskFailure?
        /// Why it was cancelled, for the status event.
        public var reason: String?
        /// The attempt that just ended (the event's `attempt`).
        public var attempt: Int
        /// Signals to publish on commit, beyond the event's own and the webhooks'.
        public var signals: [QueueSignal]

        /// The final status, for which webhooks are enqueued; nil when the task was requeued.
        public var final: TaskStatus? {
            if case .end(let status) = target { return status }
            return nil
        }

        /// The status the task now has.
        public var status: TaskStatus { final ?? .queued }

        /// The status event. `runAt` is when a requeued task may run again, as the backend
        /// wrote it (its own clock: PostgreSQL's `now()`, SQLite's caller's).
        /// A cancelled task's event says why in `reason`; its `error` stays on the task.
        public func event(runAt: Date?) -> NewTaskEvent {
            StatusEvent.make(
                status, attempt: attempt, error: status == .cancelled ? nil : error, runAt: final == nil ? runAt : nil, reason: reason)
        }
    }

    /// The end of an attempt, reported by the worker that holds the lease.
    ///
    /// - `cancelRequested`: a caller asked to cancel during the attempt. A failure that would
    ///   be retried ends the task as cancelled instead: the request is not lost to a retry.
    /// - `agentLimited`: the task's agent has a concurrency limit, so this attempt's end may
    ///   let a task that was held back run now.
    public static func finish(
        _ outcome: AttemptOutcome, attempts: Int, maxAttempts: Int, cancelRequested: Bool, agentLimited: Bool
    ) -> Move {
        let freed: [QueueSignal] = agentLimited ? [.taskAvailable] : []
        switch outcome {
        case .completed:
            return Move(target: .end(.completed), error: nil, reason: nil, attempt: attempts, signals: freed)
        case .failed(let failure, let delay):
            guard failure.retryable && attempts < maxAttempts else {
                return Move(target: .end(.failed), error: failure, reason: nil, attempt: attempts, signals: freed)
            }
            if cancelRequested {
                return Move(
                    target: .end(.cancelled), error: cancelled(cancelledBeforeRetry), reason: cancelledBeforeRetry, attempt: attempts,
                    signals: freed)
            }
            return Move(target: .requeue(after: delay), error: failure, reason: nil, attempt: attempts, signals: [.taskAvailable])
        case .cancelled(let reason):
            return Move(target: .end(.cancelled), error: cancelled(reason), reason: reason, attempt: attempts, signals: freed)
        case .timedOut(let failure):
            return Move(target: .end(.timedOut), error: failure, reason: nil, attempt: attempts, signals: freed)
        }
    }

    /// The reason recorded when an attempt failed (retryably) after a cancel was asked for.
    public static let cancelledBeforeRetry = "cancelled while the attempt was failing; not retried"

    /// The reason recorded when a task's cancel was asked for but its worker was lost before
    /// it could stop.
    public static let lostWhileCancelling = "cancelled while its worker was lost"

    /// A running task whose lease expired: its worker is gone. The attempt counts; a cancel
    /// already asked for is honoured; otherwise it runs again while attempts remain.
    public static func rescue(attempts: Int, maxAttempts: Int, cancelRequested: Bool, retryDelay: Duration) -> Move {
        if cancelRequested {
            return Move(
                target: .end(.cancelled), error: cancelled(lostWhileCancelling), reason: lostWhileCancelling, attempt: attempts,
                signals: [.taskAvailable])
        }
        let failure = TaskFailure.leaseExpired(attempt: attempts)
        if attempts >= maxAttempts {
            return Move(target: .end(.failed), error: failure, reason: nil, attempt: attempts, signals: [.taskAvailable])
        }
        return Move(target: .requeue(after: retryDelay), error: failure, reason: nil, attempt: attempts, signals: [.taskAvailable])
    }

    /// A queued task pinned to a process that is gone (the owner of its browser session): it
    /// could never be claimed, so it fails now, naming the session and the owner, rather than
    /// waiting for ever.
    public static func ownerGone(sessionID: String?, processID: String, attempts: Int) -> Move {
        let what = sessionID.map { "browser session '\($0)'" } ?? "the browser session it runs in"
        let failure = TaskFailure(
            code: "session_owner_gone",
            message: "\(what) lived in process '\(processID)', which stopped (no heartbeat); the session is lost: create a new one",
            retryable: false)
        return Move(target: .end(.failed), error: failure, reason: nil, attempt: attempts, signals: [])
    }

    /// What a caller's cancel does.
    public enum Cancel: Sendable, Equatable {
        /// A queued task ends at once.
        case end(Move)
        /// A running task's worker is asked to stop (a `cancel_requested` event and a signal
        /// to the lease holder); the worker ends it, or the rescue does if the worker is lost.
        case askWorker(event: NewTaskEvent, signal: QueueSignal)
        /// Already final, or already asked: nothing changes.
        case none
    }

    public static func cancel(taskID: String, status: TaskStatus, cancelRequested: Bool, attempts: Int, reason: String) -> Cancel {
        switch status {
        case .queued:
            return .end(Move(target: .end(.cancelled), error: cancelled(reason), reason: reason, attempt: attempts, signals: []))
        case .running where !cancelRequested:
            return .askWorker(event: NewTaskEvent(type: "cancel_requested", data: ["reason": .string(reason)]), signal: .cancelRequested(taskID: taskID))
        default:
            return .none
        }
    }

    /// The error a cancelled task carries.
    static func cancelled(_ reason: String) -> TaskFailure {
        TaskFailure(code: "cancelled", message: reason, retryable: false)
    }
}
