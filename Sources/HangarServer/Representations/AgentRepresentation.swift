import HangarCore

/// The wire shape of an agent (seed 004's fields, plus Hangar's). `agent_type` and
/// `model_name` repeat `kind` and `model` for clients written against the seed.
enum AgentRepresentation {
    static func json(_ agent: Agent) -> JSONValue {
        var json: [String: JSONValue] = [
            "id": .string(agent.id),
            "name": .string(agent.name),
            "description": agent.description.map(JSONValue.string) ?? .null,
            "kind": .string(agent.kind),
            "agent_type": .string(agent.kind),
            "model": agent.model.map(JSONValue.string) ?? .null,
            "model_name": agent.model.map(JSONValue.string) ?? .null,
            "config": agent.config,
            "resources": [
                "cpu": .double(agent.resources.cpu), "memory_mb": .int(Int64(agent.resources.memoryMB)),
                "gpu": .int(Int64(agent.resources.gpu)),
            ],
            "max_concurrency": agent.maxConcurrency.map { .int(Int64($0)) } ?? .null,
            "budget_limit": agent.budgetLimit.map(JSONValue.double) ?? .null,
            "is_active": .bool(agent.isActive),
            "version": .int(Int64(agent.version)),
            "created_at": .string(Timestamp.format(agent.createdAt)),
            "updated_at": .string(Timestamp.format(agent.updatedAt)),
        ]
        // Seed 002's fields of an external agent, kept in its config, shown where the seed sent them.
        if agent.kind == "external", case .object(let config) = agent.config {
            for (field, key) in [("type", "type"), ("docker_image", "image"), ("resource_requirements", "resource_requirements")] {
                if let value = config[key], value != .null { json[field] = value }
            }
        }
        return .object(json)
    }
}
