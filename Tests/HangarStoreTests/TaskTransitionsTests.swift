import Foundation
import HangarCore
import HangarStore
import Testing

/// The queue's decisions, without a database: both backends write what these say.
@Suite("Task transitions: finish, rescue and cancel decisions")
struct TaskTransitionsTests {
    let transient = TaskFailure(code: "provider_unavailable", message: "503 from the provider", retryable: true)
    let permanent = TaskFailure(code: "invalid_input", message: "no prompt", retryable: false)

    @Test("a retryable failure is requeued while attempts remain, and ends failed on the last one")
    func retryOrFail() {
        let retry = TaskTransitions.finish(
            .failed(transient, retryDelay: .seconds(4)), attempts: 2, maxAttempts: 3, cancelRequested: false, agentLimited: false)
        #expect(retry.target == .requeue(after: .seconds(4)))
        #expect(retry.status == .queued)
        #expect(retry.final == nil)
        #expect(retry.error == transient)
        #expect(retry.signals == [.taskAvailable])
        let event = retry.event(runAt: Date(timeIntervalSince1970: 60))
        #expect(event.data["status"] == "queued")
        #expect(event.data["error_code"] == "provider_unavailable")
        #expect(event.data["retry_at"] == .string(Timestamp.format(Date(timeIntervalSince1970: 60))))

        let last = TaskTransitions.finish(
            .failed(transient, retryDelay: .seconds(4)), attempts: 3, maxAttempts: 3, cancelRequested: false, agentLimited: false)
        #expect(last.target == .end(.failed))
        #expect(last.signals.isEmpty, "no slot was held back by this task's agent")
        #expect(last.event(runAt: Date()).data["retry_at"] == nil, "a final status has no retry time")

        let never = TaskTransitions.finish(
            .failed(permanent, retryDelay: .seconds(4)), attempts: 1, maxAttempts: 3, cancelRequested: false, agentLimited: true)
        #expect(never.target == .end(.failed))
        #expect(never.signals == [.taskAvailable], "its agent's concurrency slot is free again")
    }

    @Test("a cancel asked for during an attempt wins over a retry")
    func cancelBeatsRetry() {
        let move = TaskTransitions.finish(
            .failed(transient, retryDelay: .seconds(1)), attempts: 1, maxAttempts: 3, cancelRequested: true, agentLimited: false)
        #expect(move.target == .end(.cancelled))
        #expect(move.error?.code == "cancelled")
        #expect(move.event(runAt: nil).data["reason"] == .string(TaskTransitions.cancelledBeforeRetry))
        // A result that arrives anyway is kept: the work was done.
        let done = TaskTransitions.finish(
            .completed(output: "ok", usage: nil), attempts: 1, maxAttempts: 3, cancelRequested: true, agentLimited: false)
        #expect(done.target == .end(.completed))
        #expect(done.error == nil)
    }

    @Test("cancelled and timed-out attempts end the task with their own status")
    func otherEnds() {
        let cancelled = TaskTransitions.finish(.cancelled(reason: "user"), attempts: 1, maxAttempts: 3, cancelRequested: true, agentLimited: false)
        #expect(cancelled.target == .end(.cancelled))
        #expect(cancelled.error == TaskFailure(code: "cancelled", message: "user", retryable: false))
        #expect(cancelled.event(runAt: nil).data["reason"] == "user")
        #expect(cancelled.event(runAt: nil).data["error_code"] == nil, "the reason says it; the error stays on the task")

        let timeout = TaskFailure(code: "timeout", message: "took longer than 30 s", retryable: false)
        let timedOut = TaskTransitions.finish(.timedOut(timeout), attempts: 1, maxAttempts: 3, cancelRequested: false, agentLimited: false)
        #expect(timedOut.target == .end(.timedOut))
        #expect(timedOut.event(runAt: nil).data["status"] == "timed_out")
        #expect(timedOut.event(runAt: nil).data["error_code"] == "timeout")
    }

    @Test("a lost worker's task: cancelled when asked, failed without attempts left, else requeued; a slot frees either way")
    func rescue() {
        let asked = TaskTransitions.rescue(attempts: 1, maxAttempts: 3, cancelRequested: true, retryDelay: .seconds(2))
        #expect(asked.target == .end(.cancelled))
        #expect(asked.reason == TaskTransitions.lostWhileCancelling)
        let spent = TaskTransitions.rescue(attempts: 3, maxAttempts: 3, cancelRequested: false, retryDelay: .seconds(2))
        #expect(spent.target == .end(.failed))
        #expect(spent.error?.code == "lease_expired")
        let again = TaskTransitions.rescue(attempts: 1, maxAttempts: 3, cancelRequested: false, retryDelay: .seconds(2))
        #expect(again.target == .requeue(after: .seconds(2)))
        #expect(again.error?.code == "lease_expired")
        for move in [asked, spent, again] { #expect(move.signals == [.taskAvailable]) }
    }

    @Test("a caller's cancel: queued ends at once, running asks its worker once, final changes nothing")
    func cancel() {
        guard case .end(let move) = TaskTransitions.cancel(taskID: "t1", status: .queued, cancelRequested: false, attempts: 0, reason: "user")
        else {
            Issue.record("a queued task should end")
            return
        }
        #expect(move.target == .end(.cancelled))
        #expect(move.event(runAt: nil).data["attempt"] == 0)

        guard case .askWorker(let event, let signal) = TaskTransitions.cancel(
            taskID: "t1", status: .running, cancelRequested: false, attempts: 1, reason: "user")
        else {
            Issue.record("a running task's worker should be asked")
            return
        }
        #expect(event.type == "cancel_requested")
        #expect(event.data["reason"] == "user")
        #expect(signal == .cancelRequested(taskID: "t1"))

        #expect(TaskTransitions.cancel(taskID: "t1", status: .running, cancelRequested: true, attempts: 1, reason: "again") == .none)
        for status in [TaskStatus.completed, .failed, .cancelled, .timedOut] {
            #expect(TaskTransitions.cancel(taskID: "t1", status: status, cancelRequested: false, attempts: 1, reason: "late") == .none)
        }
    }

    @Test("signals are published once each, in order")
    func deduplicated() {
        let signals: [QueueSignal] = [.taskAvailable, .event(taskID: "a", seq: 1), .taskAvailable, .webhooksDue, .event(taskID: "a", seq: 2)]
        #expect(signals.deduplicated() == [.taskAvailable, .event(taskID: "a", seq: 1), .webhooksDue, .event(taskID: "a", seq: 2)])
    }
}
