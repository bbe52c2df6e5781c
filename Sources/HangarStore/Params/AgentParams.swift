public import HangarCore

public struct AgentInsertParams: Sendable {
    public var tenantID: String
    public var name: String
    public var description: String?
    public var kind: String
    public var model: String?
    public var config: JSONValue
    public var resources: Resources
    public var maxConcurrency: Int?
    public var budgetLimit: Double?
    public var isActive: Bool

    public init(
        tenantID: String, name: String, description: String? = nil, kind: String, model: String? = nil,
        config: JSONValue = .emptyObject, resources: Resources = .zero, maxConcurrency: Int? = nil, budgetLimit: Double? = nil,
        isActive: Bool = true
    ) {
        self.tenantID = tenantID
        self.name = name
        self.description = description
        self.kind = kind
        self.model = model
        self.config = config
        self.resources = resources
        self.maxConcurrency = maxConcurrency
        self.budgetLimit = budgetLimit
        self.isActive = isActive
    }
}

public struct AgentListParams: Sendable {
    public var tenantID: String
    public var kind: String?
    public var activeOnly: Bool
    public var limit: Int
    public var offset: Int

    public init(tenantID: String, kind: String? = nil, activeOnly: Bool = false, limit: Int = 100, offset: Int = 0) {
        self.tenantID = tenantID
        self.kind = kind
        self.activeOnly = activeOnly
        self.limit = limit
        self.offset = offset
    }
}

/// A full replacement of the mutable fields; the caller merges a partial update first.
/// Each update bumps `version`.
public struct AgentUpdateParams: Sendable {
    public var agent: Agent

    public init(agent: Agent) { self.agent = agent }
}
