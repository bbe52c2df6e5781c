import Foundation

/// Reads a definition's `steps` and checks the graph: each step's shape, its built-in kind's
/// config, dependencies that exist, no cycles. Pure; every refusal names the step and field.
public enum WorkflowValidation {
    public static let maxSteps = 100
    /// Step ids are used in field paths (`clean_data.output.count`), so they are plain words.
    static let idCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
    static let stepFields: Set<String> = ["id", "name", "type", "config", "dependencies", "agent_id", "input"]

    public enum ConditionOperator: String, CaseIterable, Sendable {
        case equals, notEquals = "not_equals", greaterThan = "greater_than", lessThan = "less_than"
        case greaterOrEqual = "greater_or_equal", lessOrEqual = "less_or_equal"
        case contains, notContains = "not_contains", exists, notExists = "not_exists"

        var comparesNumbers: Bool { [.greaterThan, .lessThan, .greaterOrEqual, .lessOrEqual].contains(self) }
        var takesValue: Bool { self != .exists && self != .notExists }
    }

    /// `steps` as the seed sends it: an object of step id → step. Ordered by id.
    public static func steps(_ value: JSONValue?) throws -> [WorkflowStep] {
        guard let map = value?.objectValue else {
            throw HangarError.invalid(field: "steps", message: "is required: an object of step id → step")
        }
        guard !map.isEmpty, map.count <= maxSteps else {
            throw HangarError.invalid(field: "steps", message: "must hold 1 to \(maxSteps) steps")
        }
        let steps = try map.keys.sorted().map { try step(key: $0, map[$0]!) }
        try check(steps)
        return steps
    }

    /// Checks that span steps: dependencies name steps of this definition, no cycles, and
    /// conditions read steps they wait for.
    public static func check(_ steps: [WorkflowStep]) throws {
        var byID: [String: WorkflowStep] = [:]
        for step in steps {
            guard byID.updateValue(step, forKey: step.id) == nil else {
                throw HangarError.invalid(field: "steps.\(step.id).id", message: "two steps have the id '\(step.id)'")
            }
        }
        for step in steps {
            for (index, dependency) in step.dependencies.enumerated() where byID[dependency] == nil {
                throw HangarError.invalid(
                    field: "steps.\(step.id).dependencies[\(index)]",
                    message: "unknown step '\(dependency)'; the steps are: \(steps.map(\.id).joined(separator: ", "))")
            }
        }
        if let cycle = cycle(in: steps) {
            throw HangarError.invalid(
                field: "steps.\(cycle[0]).dependencies",
                message: "dependency cycle: \(cycle.joined(separator: " → ")) (each step waits for the next)")
        }
        for step in steps where step.kind == .condition {
            try checkConditionSource(step, byID: byID)
        }
    }

    // MARK: - One step

    static func step(key: String, _ value: JSONValue) throws -> WorkflowStep {
        guard (1...64).contains(key.count), key.allSatisfy(idCharacters.contains) else {
            throw HangarError.invalid(field: "steps.\(key)", message: "a step id is 1-64 letters, digits, '_' or '-'")
        }
        let field = "steps.\(key)"
        guard let fields = value.objectValue else {
            throw HangarError.invalid(field: field, message: "must be an object: {\"id\", \"name\", \"type\", \"config\", \"dependencies\"}")
        }
        if let unknown = fields.keys.filter({ !stepFields.contains($0) }).sorted().first {
            throw HangarError.invalid(
                field: "\(field).\(unknown)", message: "is not a field of a step; it accepts: \(stepFields.sorted().joined(separator: ", "))")
        }
        if let id = fields["id"], id != .null, id.stringValue != key {
            throw HangarError.invalid(field: "\(field).id", message: "must equal the step's key '\(key)'")
        }
        var name = key
        if let value = fields["name"], value != .null {
            guard let text = value.stringValue, (1...256).contains(text.count) else {
                throw HangarError.invalid(field: "\(field).name", message: "must be a string of 1-256 characters")
            }
            name = text
        }
        guard let type = fields["type"]?.stringValue, (1...64).contains(type.count) else {
            throw HangarError.invalid(
                field: "\(field).type",
                message: "is required: a built-in kind (\(WorkflowStep.Kind.allCases.map(\.rawValue).joined(separator: ", "))) or the type of an agent step")
        }
        var config = JSONValue.emptyObject
        if let value = fields["config"], value != .null {
            guard case .object = value else { throw HangarError.invalid(field: "\(field).config", message: "must be an object") }
            config = value
        }
        let dependencies = try self.dependencies(fields["dependencies"], key: key, field: "\(field).dependencies")
        let step = WorkflowStep(
            id: key, name: name, type: type, config: config, dependencies: dependencies,
            agentID: try agentField(fields["agent_id"], field: "\(field).agent_id"), input: fields["input"].flatMap { $0 == .null ? nil : $0 })
        if let kind = step.kind {
            for agentField in ["agent_id", "input"] where fields[agentField] != nil && fields[agentField] != .null {
                throw HangarError.invalid(field: "\(field).\(agentField)", message: "only agent steps take it, not a '\(kind.rawValue)' step")
            }
            try checkConfig(of: kind, config.objectValue ?? [:], field: "\(field).config")
        } else if let input = step.input, input.objectValue == nil {
            throw HangarError.invalid(field: "\(field).input", message: "must be an object (the task input)")
        }
        return step
    }

    static func dependencies(_ value: JSONValue?, key: String, field: String) throws -> [String] {
        guard let value, value != .null else { return [] }
        guard let items = value.arrayValue, items.count <= maxSteps else {
            throw HangarError.invalid(field: field, message: "must be an array of step ids")
        }
        var seen = Set<String>()
        return try items.enumerated().map { index, item in
            guard let id = item.stringValue else { throw HangarError.invalid(field: "\(field)[\(index)]", message: "must be a step id (a string)") }
            guard id != key else { throw HangarError.invalid(field: "\(field)[\(index)]", message: "a step cannot depend on itself") }
            guard seen.insert(id).inserted else { throw HangarError.invalid(field: "\(field)[\(index)]", message: "'\(id)' is listed twice") }
            return id
        }
    }

    static func agentField(_ value: JSONValue?, field: String) throws -> String? {
        guard let value, value != .null else { return nil }
        guard let text = value.stringValue, (1...128).contains(text.count) else {
            throw HangarError.invalid(field: field, message: "must be an agent's id or name (1-128 characters)")
        }
        return text
    }

    // MARK: - Built-in kinds (shape only; they run in a later slice)

    static func checkConfig(of kind: WorkflowStep.Kind, _ config: [String: JSONValue], field: String) throws {
        let accepted: Set<String>
        switch kind {
        case .condition: accepted = ["field", "operator", "value"]
        case .approval: accepted = ["message", "timeout_seconds"]
        case .wait: accepted = ["seconds"]
        case .webhook: accepted = ["url", "method", "headers", "body"]
        }
        if let unknown = config.keys.filter({ !accepted.contains($0) }).sorted().first {
            throw HangarError.invalid(
                field: "\(field).\(unknown)", message: "is not a field of a '\(kind.rawValue)' step's config; it accepts: \(accepted.sorted().joined(separator: ", "))")
        }
        switch kind {
        case .condition: try checkCondition(config, field: field)
        case .approval:
            if let message = config["message"], message != .null, message.stringValue == nil {
                throw HangarError.invalid(field: "\(field).message", message: "must be a string")
            }
            try seconds(config["timeout_seconds"], field: "\(field).timeout_seconds", required: false)
        case .wait:
            try seconds(config["seconds"], field: "\(field).seconds", required: true)
        case .webhook: try checkWebhook(config, field: field)
        }
    }

    static func checkCondition(_ config: [String: JSONValue], field: String) throws {
        guard let path = config["field"]?.stringValue, !path.isEmpty else {
            throw HangarError.invalid(
                field: "\(field).field", message: "is required: the value to test, e.g. \"validate_data.output.count\" or \"parameters.source\"")
        }
        let operators = ConditionOperator.allCases.map(\.rawValue).joined(separator: ", ")
        guard let name = config["operator"]?.stringValue else {
            throw HangarError.invalid(field: "\(field).operator", message: "is required: one of \(operators)")
        }
        guard let op = ConditionOperator(rawValue: name) else {
            throw HangarError.invalid(field: "\(field).operator", message: "unknown operator '\(name)'; one of \(operators)")
        }
        let value = config["value"]
        if !op.takesValue {
            guard value == nil else { throw HangarError.invalid(field: "\(field).value", message: "'\(op.rawValue)' takes no value") }
            return
        }
        guard let value else { throw HangarError.invalid(field: "\(field).value", message: "is required by '\(op.rawValue)'") }
        if op.comparesNumbers, value.doubleValue == nil {
            throw HangarError.invalid(field: "\(field).value", message: "'\(op.rawValue)' compares numbers: must be a number")
        }
        if op == .contains || op == .notContains, value.objectValue != nil || value.arrayValue != nil || value == .null {
            throw HangarError.invalid(field: "\(field).value", message: "'\(op.rawValue)' looks for a string, number or boolean")
        }
    }

    /// A condition reads the workflow's `parameters` or the output of a step it waits for
    /// (directly or through other steps): anything else could not have a value yet.
    static func checkConditionSource(_ step: WorkflowStep, byID: [String: WorkflowStep]) throws {
        guard let path = step.config["field"]?.stringValue else { return }
        let source = String(path.prefix { $0 != "." })
        if source == "parameters" { return }
        let field = "steps.\(step.id).config.field"
        guard byID[source] != nil else {
            throw HangarError.invalid(
                field: field, message: "'\(path)' starts with neither 'parameters' nor a step id ('\(source)' is no step of this workflow)")
        }
        var ancestors = Set<String>()
        var pending = step.dependencies
        while let next = pending.popLast() {
            guard ancestors.insert(next).inserted else { continue }
            pending += byID[next]?.dependencies ?? []
        }
        guard ancestors.contains(source) else {
            throw HangarError.invalid(
                field: field, message: "reads step '\(source)', which step '\(step.id)' does not wait for; add it to the dependencies")
        }
    }

    static func checkWebhook(_ config: [String: JSONValue], field: String) throws {
        guard let text = config["url"]?.stringValue, let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
            url.host?.isEmpty == false
        else { throw HangarError.invalid(field: "\(field).url", message: "is required: an http or https URL") }
        if let method = config["method"], method != .null {
            guard let name = method.stringValue, ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(name) else {
                throw HangarError.invalid(field: "\(field).method", message: "must be one of GET, POST, PUT, PATCH, DELETE")
            }
        }
        if let headers = config["headers"], headers != .null {
            guard let fields = headers.objectValue, fields.values.allSatisfy({ $0.stringValue != nil }) else {
                throw HangarError.invalid(field: "\(field).headers", message: "must be an object of header name → string")
            }
        }
    }

    static func seconds(_ value: JSONValue?, field: String, required: Bool) throws {
        guard let value, value != .null else {
            if required { throw HangarError.invalid(field: field, message: "is required: a whole number of seconds") }
            return
        }
        guard let seconds = value.intValue, (1...WorkflowDefinition.maxExecutionTimeLimit).contains(seconds) else {
            throw HangarError.invalid(field: field, message: "must be a whole number of seconds from 1 to \(WorkflowDefinition.maxExecutionTimeLimit)")
        }
    }

    // MARK: - Cycles

    /// The first cycle found, as step ids from its smallest id back to it (`a → b → a`, where
    /// each step depends on the next); nil for a DAG. Dependencies must all be known.
    static func cycle(in steps: [WorkflowStep]) -> [String]? {
        let byID = Dictionary(steps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var path: [String] = []
        func visit(_ id: String) -> [String]? {
            switch marks[id] {
            case .done: return nil
            case .visiting:
                let loop = Array(path[path.firstIndex(of: id)!...])
                let start = loop.firstIndex(of: loop.min()!)!
                let rotated = Array(loop[start...] + loop[..<start])
                return rotated + [rotated[0]]
            case nil:
                marks[id] = .visiting
                path.append(id)
                for dependency in byID[id]?.dependencies ?? [] {
                    if let found = visit(dependency) { return found }
                }
                path.removeLast()
                marks[id] = .done
                return nil
            }
        }
        for step in steps {
            if let found = visit(step.id) { return found }
        }
        return nil
    }
}
