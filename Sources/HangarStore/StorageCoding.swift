import Foundation
public import HangarCore
import Synchronization

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

    /// Every claim reads the resources of each candidate's agent; agents are few and their
    /// texts repeat, so decoded values are remembered (bounded) instead of running a
    /// `JSONDecoder` per candidate row (that showed in the claim's profile).
    public static func resources(_ text: String?) -> Resources {
        guard let text else { return .zero }
        if let known = decodedResources.withLock({ $0[text] }) { return known }
        let resources = (try? JSONDecoder().decode(Resources.self, from: Data(text.utf8))) ?? .zero
        decodedResources.withLock { cache in
            if cache.count >= 1024 { cache.removeAll() }
            cache[text] = resources
        }
        return resources
    }

    private static let decodedResources = Mutex<[String: Resources]>([:])

    /// Tokens a task's `usage` reports (`total_tokens`, else prompt + completion), for token budgets.
    public static func totalTokens(_ usage: JSONValue?) -> Int {
        guard let usage else { return 0 }
        if let total = usage["total_tokens"]?.intValue { return max(0, total) }
        return max(0, (usage["prompt_tokens"]?.intValue ?? 0) + (usage["completion_tokens"]?.intValue ?? 0))
    }
}
