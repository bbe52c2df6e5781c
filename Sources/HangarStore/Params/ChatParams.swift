public import HangarCore

public struct ChatSessionInsertParams: Sendable {
    public var tenantID: String
    public var agentID: String?
    public var title: String?
    public var sessionType: String
    public var model: String
    public var systemPrompt: String?
    public var config: JSONValue
    public var createdBy: String

    public init(
        tenantID: String, agentID: String? = nil, title: String? = nil, sessionType: String = "general", model: String,
        systemPrompt: String? = nil, config: JSONValue = .emptyObject, createdBy: String
    ) {
        self.tenantID = tenantID
        self.agentID = agentID
        self.title = title
        self.sessionType = sessionType
        self.model = model
        self.systemPrompt = systemPrompt
        self.config = config
        self.createdBy = createdBy
    }
}

public struct ChatSessionListParams: Sendable {
    public var tenantID: String
    public var status: ChatSessionRecord.Status?
    public var sessionType: String?
    public var limit: Int
    public var offset: Int

    public init(tenantID: String, status: ChatSessionRecord.Status? = nil, sessionType: String? = nil, limit: Int = 50, offset: Int = 0) {
        self.tenantID = tenantID
        self.status = status
        self.sessionType = sessionType
        self.limit = limit
        self.offset = offset
    }
}

/// One message to append. The store numbers it and stamps it.
public struct ChatMessageAppendParams: Sendable {
    public var tenantID: String
    public var sessionID: String
    public var role: String
    public var content: String
    public var images: [String]
    public var model: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var costUSD: Double?
    public var metrics: JSONValue?
    /// Refuse (`conflict`) unless the session is `active`: set for what a user sends, not for
    /// the reply to a message already accepted.
    public var requireActive: Bool

    public init(
        tenantID: String, sessionID: String, role: String, content: String, images: [String] = [], model: String? = nil,
        promptTokens: Int? = nil, completionTokens: Int? = nil, costUSD: Double? = nil, metrics: JSONValue? = nil, requireActive: Bool = false
    ) {
        self.tenantID = tenantID
        self.sessionID = sessionID
        self.role = role
        self.content = content
        self.images = images
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.costUSD = costUSD
        self.metrics = metrics
        self.requireActive = requireActive
    }
}

/// A page of a session's messages, always oldest first: after `afterSeq`, before `beforeSeq`
/// (the newest `limit` before it), or without either the newest `limit`.
public struct ChatMessageListParams: Sendable {
    public var tenantID: String
    public var sessionID: String
    public var afterSeq: Int64?
    public var beforeSeq: Int64?
    public var limit: Int

    public init(tenantID: String, sessionID: String, afterSeq: Int64? = nil, beforeSeq: Int64? = nil, limit: Int = 100) {
        self.tenantID = tenantID
        self.sessionID = sessionID
        self.afterSeq = afterSeq
        self.beforeSeq = beforeSeq
        self.limit = limit
    }
}
