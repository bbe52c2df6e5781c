import HangarCore

/// The wire shape of a workflow definition at one version: the seed's fields (`steps` as an
/// object of step id → step), plus Hangar's.
enum WorkflowRepresentation {
    static func json(_ workflow: WorkflowDefinition) -> JSONValue {
        [
            "id": .string(workflow.id),
            "name": .string(workflow.name),
            "description": workflow.description.map(JSONValue.string) ?? .null,
            "version": .int(Int64(workflow.version)),
            "steps": WorkflowStep.json(workflow.steps),
            "priority": .string(workflow.priority.rawValue),
            "max_execution_time": .int(Int64(workflow.maxExecutionTime)),
            "created_at": .string(Timestamp.format(workflow.createdAt)),
            "updated_at": .string(Timestamp.format(workflow.updatedAt)),
            "deleted_at": workflow.deletedAt.map { .string(Timestamp.format($0)) } ?? .null,
        ]
    }
}
