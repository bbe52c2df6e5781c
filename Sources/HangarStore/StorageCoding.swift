import Foundation
public import HangarCore

/// How structured columns are written as JSON text, shared by every backend.
public enum StorageCoding {
    public static func text(_ failure: TaskFailure?) -> String? {
        guard let failure, let data = try? JSONEncoder().encode(failure) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    public static func failure(_ text: String?) -> TaskFailure? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(TaskFailure.self, from: Data(text.utf8))
    }

    public static func text(_ resources: Resources) -> String {
        let data = (try? JSONEncoder().encode(resources)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    public static func resources(_ text: String?) -> Resources {
        guard let text else { return .zero }
        return (try? JSONDecoder().decode(Resources.self, from: Data(text.utf8))) ?? .zero
    }

    /// Tokens a task's `usage` reports (`total_tokens`, else prompt + completion), for token budgets.
    public static func totalTokens(_ usage: JSONValue?) -> Int {
        guard let usage else { return 0 }
        if let total = usage["total_tokens"]?.intValue { return max(0, total) }
        return max(0, (usage["prompt_tokens"]?.intValue ?? 0) + (usage["completion_tokens"]?.intValue ?? 0))
    }

    /// Event payload for a cancellation request (not a status change: the task is still running).
    public static func cancelRequestedEvent(reason: String) -> NewTaskEvent {
        NewTaskEvent(type: "cancel_requested", data: ["reason": .string(reason)])
    }
}
