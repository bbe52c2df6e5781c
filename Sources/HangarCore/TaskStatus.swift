/// `queued` → `running` → `completed` | `failed` | `cancelled` | `timed_out`.
/// A retried attempt goes from `running` back to `queued`.
public enum TaskStatus: String, Sendable, Codable, CaseIterable {
    case queued
    case running
    case completed
    case failed
    case cancelled
    case timedOut = "timed_out"

    public var isFinal: Bool {
        switch self {
        case .queued, .running: return false
        case .completed, .failed, .cancelled, .timedOut: return true
        }
    }
}
