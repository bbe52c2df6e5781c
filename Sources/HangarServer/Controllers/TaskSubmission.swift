import Foundation
import HangarCore
import HangarRuntime
import HangarStore

/// Reads a task submission in either seed's shape into insert parameters:
/// seed 000 (`task`, `url`, `session_id`, `mode`, `max_steps`, `timeout`, `callback_url`, `options`) and seed 004
/// (`agent_id`, `input`), plus `priority`, `max_attempts` and an idempotency key.
struct TaskSubmission {
    /// `nil`: seed 000's browser task without an agent (`DefaultBrowserAgent`).
    var agentReference: String?
    var params: TaskInsertParams

    /// Both seeds' fields (`agent` is an alias of `agent_id`).
    static let fields: Set<String> = [
        "agent_id", "agent", "input", "task", "url", "session_id", "mode", "options", "priority", "max_attempts", "timeout", "max_steps",
        "callback_url", "idempotency_key",
    ]

    static func parse(_ body: JSONBody, tenantID: String, idempotencyKey: String?, configuration: ServerConfiguration) throws -> TaskSubmission {
        let agent = try body.string("agent_id", maxLength: 256) ?? body.string("agent", maxLength: 256)
        var input = try body.fields["input"].map { value -> JSONValue in
            guard case .object = value else { throw APIError.invalid("input", "must be a JSON object") }
            return value
        } ?? .emptyObject
        // Seed 000 puts a browser task's instruction beside the input; its start `url` and
        // `session_id` travel the same way. The input's own value wins.
        for (key, limit) in [("task", 100_000), ("url", 8192), ("session_id", 256)] {
            if let value = try body.string(key, maxLength: limit), case .object(var fields) = input, fields[key] == nil {
                fields[key] = .string(value)
                input = .object(fields)
            }
        }
        if agent == nil, input["task"]?.stringValue == nil {
            throw APIError.invalid("agent_id", "is required (an agent id or name); only a browser task's `task` may leave it out")
        }
        guard input != .emptyObject else { throw APIError.invalid("input", "is required (or give `task`, an instruction)") }

        var options = try body.object("options") ?? .emptyObject
        if let mode = try body.string("mode", maxLength: 32), case .object(var fields) = options {
            fields["mode"] = .string(mode)
            options = .object(fields)
        }
        let key = try idempotencyKey ?? body.string("idempotency_key", maxLength: 256)
        if let key, key.isEmpty || key.utf8.count > 256 {
            throw APIError.invalid("Idempotency-Key", "must be 1-256 bytes")
        }
        let params = TaskInsertParams(
            tenantID: tenantID, agentID: agent ?? "", priority: try parsePriority(body.fields["priority"]), input: input, options: options,
            maxAttempts: try body.int("max_attempts", in: 1...100) ?? configuration.defaultMaxAttempts,
            timeoutSeconds: try body.double("timeout", in: 0.001...configuration.security.maxExecutionSeconds)
                ?? min(configuration.defaultTimeoutSeconds, configuration.security.maxExecutionSeconds),
            maxSteps: try body.int("max_steps", in: 1...10_000), callbackURL: try parseCallbackURL(body), idempotencyKey: key,
            traceParent: TaskTracing.currentParent())
        return TaskSubmission(agentReference: agent, params: params)
    }

    static func parsePriority(_ value: JSONValue?) throws -> Int {
        switch value {
        case nil, .null?:
            return Priority.normal.value
        case .string(let name)?:
            guard let priority = Priority(name: name) else {
                throw APIError.invalid("priority", "must be 1-10 or one of low, normal, high, critical")
            }
            return priority.value
        case let number?:
            guard let value = number.intValue, let priority = Priority(value) else {
                throw APIError.invalid("priority", "must be 1-10 or one of low, normal, high, critical")
            }
            return priority.value
        }
    }

    private static func parseCallbackURL(_ body: JSONBody) throws -> String? {
        guard let text = try body.string("callback_url", maxLength: 2048) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            throw APIError.invalid("callback_url", "must be an absolute http(s) URL")
        }
        return text
    }
}
