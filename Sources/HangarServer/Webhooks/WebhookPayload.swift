public import HangarCore
import HangarStore

/// What a webhook receiver gets for a task: the API's representation of it
/// (`WebhookDispatcher`'s `render`).
public enum WebhookPayload {
    public static func data(_ task: TaskRecord, event: String, attempt: Int?) -> JSONValue {
        event == WebhookEvent.started ? TaskRepresentation.asStarted(task, attempt: attempt) : TaskRepresentation.json(task)
    }
}

extension TaskRepresentation {
    /// The task as it stood when attempt `attempt` began. A delivery is rendered when it is
    /// sent, and by then the task may have finished or be on a later attempt; a `task.started`
    /// receiver must still see a running task and the attempt that started, on every retry of
    /// the delivery alike. Fields that only an ended attempt fills are cleared.
    static func asStarted(_ task: TaskRecord, attempt: Int?) -> JSONValue {
        guard case .object(var fields) = json(task) else { return json(task) }
        fields["status"] = .string(TaskStatus.running.rawValue)
        fields["attempts"] = .int(Int64(attempt ?? task.attempts))
        for ended in ["output", "error", "error_code", "completed_at"] { fields[ended] = .null }
        fields["progress"] = 0
        fields["run_at"] = nil
        return .object(fields)
    }
}
