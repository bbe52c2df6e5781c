import Foundation

/// One version of a workflow definition (issue 18): a DAG of steps. Every change makes a new
/// version; the definition points at its latest, and earlier versions stay readable so that an
/// execution keeps the version it started with.
public struct WorkflowDefinition: Sendable, Hashable {
    public var id: String
    public var tenantID: String
    public var name: String
    public var description: String?
    /// 1 on create, one more on each update.
    public var version: Int
    /// Ordered by step id.
    public var steps: [WorkflowStep]
    public var priority: WorkflowPriority
    /// Seconds an execution may run in all.
    public var maxExecutionTime: Int
    /// When the definition was created (version 1).
    public var createdAt: Date
    /// When this version was written.
    public var updatedAt: Date
    /// Set once the definition is deleted; its versions stay readable for executions.
    public var deletedAt: Date?

    public init(
        id: String, tenantID: String, name: String, description: String? = nil, version: Int, steps: [WorkflowStep],
        priority: WorkflowPriority = .normal, maxExecutionTime: Int = WorkflowDefinition.defaultMaxExecutionTime, createdAt: Date,
        updatedAt: Date, deletedAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.description = description
        self.version = version
        self.steps = steps
        self.priority = priority
        self.maxExecutionTime = maxExecutionTime
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deletedAt = deletedAt
    }

    public static let defaultMaxExecutionTime = 3600
    /// Seven days.
    public static let maxExecutionTimeLimit = 604_800
}

/// The seed's four priority names; each maps onto a task priority for the steps' tasks.
public enum WorkflowPriority: String, Sendable, Hashable, CaseIterable {
    case low, normal, high, critical

    public var taskPriority: Priority {
        switch self {
        case .low: return .low
        case .normal: return .normal
        case .high: return .high
        case .critical: return .critical
        }
    }
}

/// One node of the DAG. `type` names what runs it: one of the built-in kinds
/// (`WorkflowStep.Kind`), or any other word for a step an agent runs (`agent_id`, `input`).
public struct WorkflowStep: Sendable, Hashable {
    public var id: String
    public var name: String
    public var type: String
    public var config: JSONValue
    /// Ids of the steps that must finish first, in the order given.
    public var dependencies: [String]
    /// Agent steps only: the agent (id or name, in the definition's tenant).
    public var agentID: String?
    /// Agent steps only: the task input.
    public var input: JSONValue?

    public init(
        id: String, name: String, type: String, config: JSONValue = .emptyObject, dependencies: [String] = [], agentID: String? = nil,
        input: JSONValue? = nil
    ) {
        self.id = id
        self.name = name
        self.type = type
        self.config = config
        self.dependencies = dependencies
        self.agentID = agentID
        self.input = input
    }

    /// Step kinds Hangar runs itself; any other `type` is a step an agent runs.
    public enum Kind: String, Sendable, CaseIterable {
        case condition, approval, wait, webhook
    }

    public var kind: Kind? { Kind(rawValue: type) }
}
