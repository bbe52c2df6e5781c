import Foundation

/// One model call's tokens and cost, written as the call returns: a task's steps and a chat
/// session's replies alike. Budgets and `GET /api/v1/agents/{id}/usage` read these.
public struct UsageRecord: Sendable, Hashable {
    public var id: String
    public var tenantID: String
    public var agentID: String?
    public var taskID: String?
    public var chatSessionID: String?
    /// `provider/name`.
    public var model: String
    public var promptTokens: Int
    public var completionTokens: Int
    /// From the price table at the time of the call.
    public var costUSD: Double
    public var createdAt: Date

    public init(
        id: String = Identifier.make(), tenantID: String, agentID: String?, taskID: String? = nil, chatSessionID: String? = nil,
        model: String, promptTokens: Int, completionTokens: Int, costUSD: Double, createdAt: Date = Date()
    ) {
        self.id = id
        self.tenantID = tenantID
        self.agentID = agentID
        self.taskID = taskID
        self.chatSessionID = chatSessionID
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.costUSD = costUSD
        self.createdAt = createdAt
    }
}

/// Usage summed over one UTC day and one model.
public struct UsageDay: Sendable, Hashable {
    /// `YYYY-MM-DD`, UTC.
    public var day: String
    public var model: String
    public var requests: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var costUSD: Double

    public init(day: String, model: String, requests: Int, promptTokens: Int, completionTokens: Int, costUSD: Double) {
        self.day = day
        self.model = model
        self.requests = requests
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.costUSD = costUSD
    }
}
