import Foundation

/// The fields a client writes to a workflow definition, read and checked. Pure: everything but
/// "does this agent exist in the tenant", which needs the store (`agentReferences`).
///
/// Every refusal is `HangarError.invalid` naming the field (`steps.clean_data.dependencies[0]`),
/// so that the API answers 422 with a detail a person can act on.
public struct WorkflowDraft: Sendable, Hashable {
    public var name: String
    public var description: String?
    public var steps: [WorkflowStep]
    public var priority: WorkflowPriority
    public var maxExecutionTime: Int

    public init(
        name: String, description: String? = nil, steps: [WorkflowStep], priority: WorkflowPriority = .normal,
        maxExecutionTime: Int = WorkflowDefinition.defaultMaxExecutionTime
    ) {
        self.name = name
        self.description = description
        self.steps = steps
        self.priority = priority
        self.maxExecutionTime = maxExecutionTime
    }

    public init(_ definition: WorkflowDefinition) {
        self.init(
            name: definition.name, description: definition.description, steps: definition.steps, priority: definition.priority,
            maxExecutionTime: definition.maxExecutionTime)
    }

    /// The request body's top-level fields.
    public static let fields: Set<String> = ["name", "description", "steps", "priority", "max_execution_time"]

    /// Reads a body's fields. On create (`current` nil) `name` and `steps` are required; on
    /// update the fields present replace the current version's and the rest are kept. A
    /// `null` description clears it; `null` priority or max_execution_time resets the default.
    public static func read(_ fields: [String: JSONValue], over current: WorkflowDraft? = nil) throws -> WorkflowDraft {
        func has(_ key: String) -> Bool { fields[key] != nil }
        let name: String
        if has("name") || current == nil {
            guard let text = fields["name"]?.stringValue?.trimmingCharacters(in: .whitespaces), (1...128).contains(text.count) else {
                throw HangarError.invalid(field: "name", message: "is required: a string of 1-128 characters")
            }
            name = text
        } else {
            name = current!.name
        }
        var description = current?.description
        if let value = fields["description"] {
            if value == .null {
                description = nil
            } else {
                guard let text = value.stringValue, text.utf8.count <= 4000 else {
                    throw HangarError.invalid(field: "description", message: "must be a string of at most 4000 bytes")
                }
                description = text
            }
        }
        let steps: [WorkflowStep]
        if has("steps") || current == nil {
            steps = try WorkflowValidation.steps(fields["steps"])
        } else {
            steps = current!.steps
        }
        var priority = current?.priority ?? .normal
        if let value = fields["priority"] {
            if value == .null {
                priority = .normal
            } else {
                guard let text = value.stringValue, let named = WorkflowPriority(rawValue: text) else {
                    throw HangarError.invalid(
                        field: "priority", message: "must be one of \(WorkflowPriority.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                priority = named
            }
        }
        var maxExecutionTime = current?.maxExecutionTime ?? WorkflowDefinition.defaultMaxExecutionTime
        if let value = fields["max_execution_time"] {
            if value == .null {
                maxExecutionTime = WorkflowDefinition.defaultMaxExecutionTime
            } else {
                guard let seconds = value.intValue, (1...WorkflowDefinition.maxExecutionTimeLimit).contains(seconds) else {
                    throw HangarError.invalid(
                        field: "max_execution_time",
                        message: "must be a whole number of seconds from 1 to \(WorkflowDefinition.maxExecutionTimeLimit)")
                }
                maxExecutionTime = seconds
            }
        }
        return WorkflowDraft(name: name, description: description, steps: steps, priority: priority, maxExecutionTime: maxExecutionTime)
    }

    /// The agents the steps name, with the field that names each, for the caller to look up.
    public var agentReferences: [(field: String, agent: String)] {
        steps.compactMap { step in step.agentID.map { ("steps.\(step.id).agent_id", $0) } }
    }
}
