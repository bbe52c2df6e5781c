import Foundation

/// An entry of a task's append-only log. `seq` counts from 1 per task without gaps, so a
/// reader that remembers the last `seq` it saw can resume and miss nothing.
public struct TaskEvent: Sendable, Hashable {
    public var taskID: String
    public var seq: Int64
    public var type: String
    public var data: JSONValue
    public var createdAt: Date

    public init(taskID: String, seq: Int64, type: String, data: JSONValue, createdAt: Date) {
        self.taskID = taskID
        self.seq = seq
        self.type = type
        self.data = data
        self.createdAt = createdAt
    }
}

extension TaskEvent {
    /// The final status this event records (`completed`, `failed`, …), or nil: not a status
    /// event, or a status the task leaves again. After it the task's log is complete.
    public var finalStatus: TaskStatus? {
        guard type == NewTaskEvent.Kind.status, let raw = data["status"]?.stringValue, let status = TaskStatus(rawValue: raw),
            status.isFinal
        else { return nil }
        return status
    }
}

/// An event before the store numbers it.
public struct NewTaskEvent: Sendable, Hashable {
    public var type: String
    public var data: JSONValue

    public init(type: String, data: JSONValue) {
        self.type = type
        self.data = data
    }

    /// Event types with a fixed meaning. Executors may add their own.
    public enum Kind {
        public static let status = "status"
        public static let log = "log"
        public static let step = "step"
        public static let token = "token"
        public static let progress = "progress"
        /// Where the attempt's narration can be heard (`options.enable_tts`).
        public static let narration = "narration"
    }
}
