import Foundation
import HangarCore

/// Task events as the live endpoints send them: seed 004's message types, each with the
/// event's `seq` so that a client reconnecting with `?after=SEQ` misses nothing.
enum LiveMessages {
    static func messages(for event: TaskEvent, task: TaskRecord?) -> [JSONValue] {
        let timestamp = JSONValue.string(Timestamp.format(event.createdAt))
        let seq = JSONValue.int(event.seq)
        var data = event.data.objectValue ?? [:]
        data["task_id"] = .string(event.taskID)
        data["timestamp"] = timestamp
        switch event.type {
        case NewTaskEvent.Kind.status:
            var messages: [JSONValue] = [["type": "task_status", "seq": seq, "data": .object(data)]]
            if let status = event.finalStatus {
                var complete: [String: JSONValue] = ["task_id": .string(event.taskID), "status": .string(status.rawValue), "timestamp": timestamp]
                if let task {
                    complete["output"] = task.output ?? .null
                    complete["usage"] = task.usage ?? .null
                    complete["error"] = task.error.map { ["code": .string($0.code), "message": .string($0.message)] } ?? .null
                }
                messages.append(["type": "task_complete", "seq": seq, "data": .object(complete)])
            }
            return messages
        case NewTaskEvent.Kind.progress:
            return [["type": "task_progress", "seq": seq, "data": .object(data)]]
        case NewTaskEvent.Kind.log:
            return [["type": "log_entry", "seq": seq, "data": logEntry(event, agentID: task?.agentID)]]
        case NewTaskEvent.Kind.step:
            return [["type": "task_step", "seq": seq, "data": .object(data)]]
        case NewTaskEvent.Kind.token:
            return [["type": "task_token", "seq": seq, "data": .object(data)]]
        default:
            return [["type": "task_event", "seq": seq, "event": .string(event.type), "data": .object(data)]]
        }
    }

    /// Seed 004's log entry: `timestamp`, `level`, `message`, `agent_id`, `task_id`, `source`.
    static func logEntry(_ event: TaskEvent, agentID: String?) -> JSONValue {
        [
            "timestamp": .string(Timestamp.format(event.createdAt)), "level": .string(event.data["level"]?.stringValue ?? "info"),
            "message": .string(event.data["message"]?.stringValue ?? ""), "agent_id": agentID.map(JSONValue.string) ?? .null,
            "task_id": .string(event.taskID), "seq": .int(event.seq), "source": .string(event.data["source"]?.stringValue ?? "agent"),
        ]
    }

    /// Log levels in order; a filter `level=warning` passes warning and above.
    static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    static func rank(_ level: String) -> Int {
        levels.firstIndex(of: level.lowercased() == "warn" ? "warning" : level.lowercased()) ?? levels.firstIndex(of: "info")!
    }
}
