import Foundation

/// The steps as the API and the database spell them: an object of step id → step, the seed's
/// shape (`{"id", "name", "type", "config", "dependencies": [...]}` plus `agent_id`, `input`).
extension WorkflowStep {
    public var json: JSONValue {
        var fields: [String: JSONValue] = [
            "id": .string(id), "name": .string(name), "type": .string(type), "config": config,
            "dependencies": .array(dependencies.map(JSONValue.string)),
        ]
        if let agentID { fields["agent_id"] = .string(agentID) }
        if let input { fields["input"] = input }
        return .object(fields)
    }

    public static func json(_ steps: [WorkflowStep]) -> JSONValue {
        .object(Dictionary(steps.map { ($0.id, $0.json) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Reads steps written by `json(_:)` (they were validated before they were stored), ordered by id.
    public static func stored(_ value: JSONValue?) -> [WorkflowStep] {
        guard let map = value?.objectValue else { return [] }
        return map.keys.sorted().compactMap { key in
            guard let fields = map[key]?.objectValue else { return nil }
            return WorkflowStep(
                id: key, name: fields["name"]?.stringValue ?? key, type: fields["type"]?.stringValue ?? "",
                config: fields["config"] ?? .emptyObject, dependencies: fields["dependencies"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                agentID: fields["agent_id"]?.stringValue, input: fields["input"])
        }
    }
}
