import Foundation
public import HangarCore

/// The payload of `status` events, built in one place so both backends write the same log.
public enum StatusEvent {
    public static func make(
        _ status: TaskStatus, attempt: Int, error: TaskFailure? = nil, runAt: Date? = nil, workerID: String? = nil,
        reason: String? = nil
    ) -> NewTaskEvent {
        var data: [String: JSONValue] = ["status": .string(status.rawValue), "attempt": .int(Int64(attempt))]
        if let error {
            data["error"] = .string(error.message)
            data["error_code"] = .string(error.code)
        }
        if let runAt { data["retry_at"] = .string(Timestamp.format(runAt)) }
        if let workerID { data["worker_id"] = .string(workerID) }
        if let reason { data["reason"] = .string(reason) }
        return NewTaskEvent(type: NewTaskEvent.Kind.status, data: .object(data))
    }
}

