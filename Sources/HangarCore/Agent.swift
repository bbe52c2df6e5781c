import Foundation

/// A registered agent: what runs a task (`kind`), with which model, and under which limits.
public struct Agent: Sendable, Hashable {
    public var id: String
    public var tenantID: String
    public var name: String
    public var description: String?
    /// The executor that runs this agent's tasks: `llm`, `browser`, `external`, …
    public var kind: String
    /// `provider/name`, e.g. `mock/echo`, `openai/gpt-4o-mini`.
    public var model: String?
    public var config: JSONValue
    public var resources: Resources
    /// Most tasks of this agent running at once, across every worker. `nil` = unlimited.
    public var maxConcurrency: Int?
    /// USD the agent may spend on model calls over its lifetime (seed 002's `budget_limit`).
    /// `nil` = no limit. Submissions and chat replies are refused once usage reaches it.
    public var budgetLimit: Double?
    public var isActive: Bool
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, tenantID: String, name: String, description: String? = nil, kind: String, model: String? = nil,
        config: JSONValue = .emptyObject, resources: Resources = .zero, maxConcurrency: Int? = nil,
        budgetLimit: Double? = nil, isActive: Bool = true, version: Int = 1, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
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
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
