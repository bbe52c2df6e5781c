import HangarCore

/// The wire shape of a task: seed 004's status fields (`id`, `agent_id`, `status`, `input`,
/// `output`, `error`, `progress`, …) and seed 000's (`task_id`, `mode`, `timeout`, `max_steps`,
/// `callback_url`, `options`).
enum TaskRepresentation {
    static func json(_ task: TaskRecord) -> JSONValue {
        func time(_ date: Date?) -> JSONValue { date.map { .string(Timestamp.format($0)) } ?? .null }
        var fields: [String: JSONValue] = [
            "id": .string(task.id),
            "task_id": .string(task.id),
            "agent_id": .string(task.agentID),
            "agent_kind": .string(task.agentKind),
            "status": .string(task.status.rawValue),
            "priority": .int(Int64(task.priority)),
            "input": task.input,
            "output": task.output ?? .null,
            "error": task.error.map { .string($0.message) } ?? .null,
            "error_code": task.error.map { .string($0.code) } ?? .null,
            "progress": task.progress.map(JSONValue.double) ?? (task.status == .completed ? 100 : 0),
            "attempts": .int(Int64(task.attempts)),
            "max_attempts": .int(Int64(task.maxAttempts)),
            "timeout": .double(task.timeoutSeconds),
            "max_steps": task.maxSteps.map { .int(Int64($0)) } ?? .null,
            "mode": task.options["mode"] ?? .null,
            "options": task.options,
            "callback_url": task.callbackURL.map(JSONValue.string) ?? .null,
            "idempotency_key": task.idempotencyKey.map(JSONValue.string) ?? .null,
            "cancel_requested": .bool(task.cancelRequested),
            "usage": task.usage ?? .null,
            "last_event_seq": .int(task.lastEventSeq),
            "created_at": time(task.createdAt),
            "started_at": time(task.startedAt),
            "completed_at": time(task.completedAt),
            "updated_at": time(task.updatedAt),
        ]
        if task.status == .queued, task.runAt > task.createdAt {
            fields["run_at"] = time(task.runAt)
        }
        return .object(fields)
    }

    static func json(_ event: TaskEvent) -> JSONValue {
        [
            "task_id": .string(event.taskID),
            "seq": .int(event.seq),
            "type": .string(event.type),
            "data": event.data,
            "created_at": .string(Timestamp.format(event.createdAt)),
        ]
    }
}

import Foundation
