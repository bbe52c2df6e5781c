import Foundation

/// A persisted conversation with a model (seed 004's chat sessions). Messages are numbered
/// per session (`seq`), like a task's events.
public struct ChatSessionRecord: Sendable, Hashable {
    public enum Status: String, Sendable, CaseIterable {
        case active, paused, archived, completed
    }

    public var id: String
    public var tenantID: String
    /// When set, the session's usage counts against this agent and its `budget_limit`.
    public var agentID: String?
    public var title: String?
    /// `general`, `agent_creation`, … (free text, seed 004).
    public var sessionType: String
    /// `provider/name`.
    public var model: String
    public var systemPrompt: String?
    /// `template`, `temperature`, `max_tokens`, `context_tokens` and provider options.
    public var config: JSONValue
    public var status: Status
    /// Who created it: `key:<id>`, `jwt:<sub>` or `local`.
    public var createdBy: String
    /// Messages stored so far (also the `seq` of the newest one).
    public var messageCount: Int
    public var createdAt: Date
    public var updatedAt: Date
    public var lastMessageAt: Date?

    public init(
        id: String, tenantID: String, agentID: String? = nil, title: String? = nil, sessionType: String = "general", model: String,
        systemPrompt: String? = nil, config: JSONValue = .emptyObject, status: Status = .active, createdBy: String, messageCount: Int = 0,
        createdAt: Date, updatedAt: Date, lastMessageAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.agentID = agentID
        self.title = title
        self.sessionType = sessionType
        self.model = model
        self.systemPrompt = systemPrompt
        self.config = config
        self.status = status
        self.createdBy = createdBy
        self.messageCount = messageCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastMessageAt = lastMessageAt
    }
}

/// One stored message of a chat session. An assistant message carries the call's token
/// counts, cost and `performance_metrics`; a user message carries none of them (nothing was
/// measured for it on its own).
public struct ChatMessageRecord: Sendable, Hashable {
    public var id: String
    public var sessionID: String
    public var tenantID: String
    /// 1, 2, 3, … within the session.
    public var seq: Int64
    /// `user`, `assistant` or `system`.
    public var role: String
    public var content: String
    /// Images sent with a user message (for vision models).
    public var images: [String]
    /// `provider/name` that answered (assistant messages).
    public var model: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var costUSD: Double?
    /// The `performance_metrics` object returned when the reply was made.
    public var metrics: JSONValue?
    public var createdAt: Date

    public init(
        id: String, sessionID: String, tenantID: String, seq: Int64, role: String, content: String, images: [String] = [],
        model: String? = nil, promptTokens: Int? = nil, completionTokens: Int? = nil, costUSD: Double? = nil, metrics: JSONValue? = nil,
        createdAt: Date
    ) {
        self.id = id
        self.sessionID = sessionID
        self.tenantID = tenantID
        self.seq = seq
        self.role = role
        self.content = content
        self.images = images
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.costUSD = costUSD
        self.metrics = metrics
        self.createdAt = createdAt
    }
}
