public import Foundation
public import HangarCore

/// A persistent browser kept across tasks (`POST /api/v1/sessions`): log in once, then run
/// several tasks on the same pages and cookies.
public struct BrowserSession: Sendable, Hashable {
    public enum Status: String, Sendable {
        /// Ready for a task.
        case idle
        /// A task holds it.
        case busy
    }

    public var id: String
    public var tenantID: String
    /// The environment's kind (`cdp`, `neko`).
    public var kind: String
    /// The action space the environment was set up for.
    public var mode: BrowserMode
    public var status: Status
    public var screen: ScreenSize
    public var createdAt: Date
    public var lastUsedAt: Date
    /// Idle this long, the session is closed by `sweep`.
    public var idleTimeout: TimeInterval
    /// The task holding it, while busy.
    public var taskID: String?

    /// When `sweep` will close it if nobody uses it.
    public var expiresAt: Date { lastUsedAt.addingTimeInterval(idleTimeout) }

    /// The API's shape.
    public var json: JSONValue {
        [
            "session_id": .string(id), "kind": .string(kind), "mode": .string(mode.rawValue), "status": .string(status.rawValue),
            "screen": ["width": .int(Int64(screen.width)), "height": .int(Int64(screen.height))],
            "created_at": .string(Timestamp.format(createdAt)), "last_used_at": .string(Timestamp.format(lastUsedAt)),
            "expires_at": .string(Timestamp.format(expiresAt)), "idle_timeout": .double(idleTimeout),
            "task_id": taskID.map(JSONValue.string) ?? .null,
        ]
    }
}
