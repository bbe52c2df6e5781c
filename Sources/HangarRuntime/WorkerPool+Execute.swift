import Foundation
import HangarErrorText
import HangarCore
import HangarStore
import HangarTimers
import Logging
import Synchronization
import Tracing

extension WorkerPool {
    /// Runs one attempt to its end and records the outcome under the attempt's lease.
    func execute(_ claimed: ClaimedTask, _ execution: Execution) async {
        let task = claimed.task
        var logger = self.logger
        logger[metadataKey: "task_id"] = .string(task.id)
        logger[metadataKey: "agent_id"] = .string(task.agentID)
        defer {
            running.withLock { _ = $0.removeValue(forKey: execution.leaseToken) }
            stats.attemptsFinished.add(1, ordering: .relaxed)
            reportSlots()
            wake.signal()
        }
        // A cancel requested between claim and start is honoured before running anything.
        if task.cancelRequested { execution.stop(.cancelled) }

        // The attempt joins the trace of the request that submitted the task (stored with it).
        let span = startSpan(
            "hangar.task.attempt", context: TaskTracing.attemptContext(taskID: task.id, parent: task.traceParent), ofKind: .consumer)
        // Without a tracer (the default) the span records nothing: skip its attributes and context.
        if span.isRecording {
            span.updateAttributes { attributes in
                attributes[TaskTracing.Attribute.taskID] = task.id
                attributes[TaskTracing.Attribute.agentID] = task.agentID
                attributes[TaskTracing.Attribute.agentKind] = task.agentKind
                attributes[TaskTracing.Attribute.tenantID] = task.tenantID
                attributes[TaskTracing.Attribute.attempt] = task.attempts
            }
        }
        defer { span.end() }

        let started = ContinuousClock.now
        let deadline = started + .seconds(fractional: task.timeoutSeconds)
        let events = TaskEventSink(store: store, taskID: task.id, leaseToken: execution.leaseToken)
        let narration = await openNarration(task, events: events, logger: logger)
        // A store ledger's records wait for the outcome and commit with it (one transaction per
        // attempt). Not for an agent with a budget: its other attempts, here or on other
        // workers, must see each call's cost as soon as it returns, as before.
        let attemptUsage = claimed.agent.budgetLimit == nil ? (usage as? StoreUsageLedger).map { AttemptUsageLedger(base: $0) } : nil
        let context = TaskContext(
            task: task, agent: claimed.agent, deadline: deadline, events: events, secrets: secrets, narration: narration,
            usage: attemptUsage ?? usage, metrics: metrics)
        let executor = registry.executor(for: task.agentKind)
        let start = { @Sendable in
            Task<ExecutionResult, any Error> {
                guard let executor else {
                    throw TaskFailure(code: "unsupported_kind", message: "no executor for agent kind '\(task.agentKind)'", retryable: false)
                }
                return try await executor.execute(context)
            }
        }
        // An unstructured task inherits the span's context: model and tool calls become its children.
        let attempt = span.isRecording ? InstrumentationContext.withValue(span.context, operation: start) : start()
        execution.attach(attempt)
        let timer = Timers.after(deadline - .now) { execution.stop(.timeout) }
        let result = await attempt.result
        timer.cancel()
        await narration?.finish()

        let spent = attemptUsage?.take() ?? []
        guard let outcome = outcome(of: result, stoppedBy: execution.stopReason, task: task) else {
            if span.isRecording {
                span.attributes[TaskTracing.Attribute.status] = "lease_lost"
                span.setStatus(SpanStatus(code: .error, message: "lease lost"))
            }
            stats.leasesLost.add(1, ordering: .relaxed)
            logger.info("attempt abandoned: lease lost")
            await flushUsage(spent, attemptUsage, logger: logger)
            return
        }
        Self.annotate(span, with: outcome)
        let recorded = await record(
            TaskFinishParams(taskID: task.id, leaseToken: execution.leaseToken, outcome: outcome, usage: spent), logger: logger)
        // Not recorded with an outcome: the model calls were still paid for.
        if recorded == nil { await flushUsage(spent, attemptUsage, logger: logger) }
        if let recorded {
            if recorded.status.isFinal {
                metrics.taskFinished(agentID: task.agentID, agentKind: task.agentKind, status: recorded.status, duration: ContinuousClock.now - started)
                logger.info("task finished", metadata: ["status": .string(recorded.status.rawValue)])
            } else if recorded.status == .queued {
                metrics.taskRetried()
                logger.info("attempt failed; task queued for another try", metadata: ["attempt": "\(task.attempts)"])
            }
        }
        if case .timedOut(let failure) = outcome { await recordTimeoutIncident(task, failure, logger: logger) }
    }

    /// The attempt span's ending: its outcome, and an error status with the failure's code and message.
    private static func annotate(_ span: any Span, with outcome: AttemptOutcome) {
        guard span.isRecording else { return }
        let failure: TaskFailure?
        switch outcome {
        case .completed:
            span.attributes[TaskTracing.Attribute.status] = "completed"
            failure = nil
        case .failed(let error, _):
            span.attributes[TaskTracing.Attribute.status] = "failed"
            failure = error
        case .timedOut(let error):
            span.attributes[TaskTracing.Attribute.status] = "timed_out"
            failure = error
        case .cancelled:
            span.attributes[TaskTracing.Attribute.status] = "cancelled"
            failure = nil
        }
        if let failure {
            span.attributes[TaskTracing.Attribute.errorCode] = failure.code
            span.setStatus(SpanStatus(code: .error, message: failure.message))
        }
    }

    /// Writes an attempt's usage on its own, when no outcome carried it.
    private func flushUsage(_ records: [UsageRecord], _ ledger: AttemptUsageLedger?, logger: Logger) async {
        guard let ledger, !records.isEmpty else { return }
        do {
            try await ledger.flush(records)
        } catch {
            logger.error("usage of the attempt not recorded", metadata: ["error": "\(error)", "records": "\(records.count)"])
        }
    }

    /// Seed 004: an execution timeout is a security incident ("terminate execution, log incident").
    private func recordTimeoutIncident(_ task: TaskRecord, _ failure: TaskFailure, logger: Logger) async {
        let incident = SecurityIncident(
            tenantID: task.tenantID, kind: .executionTimeout, severity: .medium, description: failure.message, agentID: task.agentID,
            taskID: task.id, actor: "worker", details: ["timeout_seconds": .double(task.timeoutSeconds), "attempt": .int(Int64(task.attempts))])
        do {
            try await store.incidentInsert(incident)
        } catch {
            logger.error("timeout incident not recorded", metadata: ["error": "\(error)"])
        }
    }

    /// The attempt's narration, announced in the task's log; a task that asks for one where
    /// none can be had runs anyway, with a warning in its log.
    private func openNarration(_ task: TaskRecord, events: TaskEventSink, logger: Logger) async -> (any Narration)? {
        guard task.wantsNarration else { return nil }
        do {
            guard let provider = narration else {
                try await events.log("narration (enable_tts) is not available: this worker pool has no speech service", level: "warning")
                return nil
            }
            guard let opened = try await provider.open(for: task) else { return nil }
            try await events.emit(NewTaskEvent.Kind.narration, opened.details)
            return opened
        } catch {
            logger.warning("narration not opened", metadata: ["error": "\(error)"])
            try? await events.log("narration unavailable: \(ErrorText.describe(error))", level: "warning")
            return nil
        }
    }

    /// `nil` when nothing may be recorded (the lease is gone).
    func outcome(of result: Result<ExecutionResult, any Error>, stoppedBy reason: StopReason?, task: TaskRecord) -> AttemptOutcome? {
        switch reason {
        case .leaseLost:
            return nil
        case .cancelled:
            return .cancelled(reason: "cancelled by request")
        case .timeout:
            return .timedOut(
                TaskFailure(code: "timeout", message: "attempt exceeded its timeout of \(task.timeoutSeconds) s", retryable: false))
        case .shutdown:
            return .failed(TaskFailure(code: "worker_shutdown", message: "worker shut down during the attempt", retryable: true), retryDelay: .zero)
        case nil:
            break
        }
        switch result {
        case .success(let value):
            return .completed(output: value.output, usage: value.usage)
        case .failure(let error as TaskFailure):
            return .failed(error, retryDelay: configuration.retry.delay(afterFailure: task.attempts))
        case .failure(HangarError.leaseLost):
            return nil
        case .failure(let error):
            let failure = TaskFailure(code: "agent_error", message: ErrorText.describe(error), retryable: true)
            return .failed(failure, retryDelay: configuration.retry.delay(afterFailure: task.attempts))
        }
    }

    /// Retries transient database errors; a lost lease ends the matter.
    private func record(_ params: TaskFinishParams, logger: Logger) async -> TaskRecord? {
        var delay = Duration.milliseconds(50)
        for attempt in 1...8 {
            do {
                return try await withStoreDeadline(storeDeadline, "recording an outcome") { [store] in try await store.taskFinish(params) }
            } catch HangarError.leaseLost {
                stats.leasesLost.add(1, ordering: .relaxed)
                logger.warning("outcome not recorded: lease lost before the attempt finished")
                return nil
            } catch {
                logger.error("recording outcome failed", metadata: ["error": "\(error)", "try": "\(attempt)"])
                try? await Timers.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
        return nil
    }
}
