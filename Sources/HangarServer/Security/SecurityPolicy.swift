import HangarCore

/// The limits a security level selects (seed 004 "Security Levels", "Security Limits and
/// Constraints"). `moderate` is the default and uses the seed's numbers; `strict` halves
/// them or less; `lenient` is for development.
public struct SecurityPolicy: Sendable, Hashable {
    public enum Level: String, Sendable, CaseIterable {
        case strict, moderate, lenient
    }

    public var level: Level
    /// Agent definitions ("Schema Complexity Limits").
    public var maxToolsPerAgent: Int
    public var maxPipelineSteps: Int
    /// Containers nested inside an agent's `config` (`{"tools": [{"args": {}}]}` is 3).
    public var maxConfigDepth: Int
    public var maxConfigBytes: Int
    /// Tool types no agent may use.
    public var blockedToolTypes: Set<String>
    /// Longest task `timeout` accepted ("Agent Execution Time"), and one tool step's.
    public var maxExecutionSeconds: Double
    public var stepTimeoutSeconds: Double
    /// Rate limits per tenant ("Rate Limiting").
    public var toolExecutionsPerHour: Double
    public var externalRequestsPerHour: Double
    /// Outbound requests of tools and webhooks.
    public var network: NetworkPolicy

    public static let moderate = SecurityPolicy(
        level: .moderate, maxToolsPerAgent: 8, maxPipelineSteps: 10, maxConfigDepth: 5, maxConfigBytes: 64 * 1024,
        blockedToolTypes: ["system_command", "file_system", "network_scanner"], maxExecutionSeconds: 1800, stepTimeoutSeconds: 300,
        toolExecutionsPerHour: 100, externalRequestsPerHour: 1000, network: NetworkPolicy())

    public static let strict = SecurityPolicy(
        level: .strict, maxToolsPerAgent: 4, maxPipelineSteps: 5, maxConfigDepth: 3, maxConfigBytes: 16 * 1024,
        blockedToolTypes: ["system_command", "file_system", "network_scanner", "code_execution"], maxExecutionSeconds: 600,
        stepTimeoutSeconds: 60, toolExecutionsPerHour: 50, externalRequestsPerHour: 500, network: NetworkPolicy())

    public static let lenient = SecurityPolicy(
        level: .lenient, maxToolsPerAgent: 32, maxPipelineSteps: 50, maxConfigDepth: 10, maxConfigBytes: 256 * 1024,
        blockedToolTypes: ["network_scanner"], maxExecutionSeconds: 86_400, stepTimeoutSeconds: 1800, toolExecutionsPerHour: 1000,
        externalRequestsPerHour: 10_000, network: NetworkPolicy(allowedDomains: []))

    public static func forLevel(_ level: Level) -> SecurityPolicy {
        switch level {
        case .strict: .strict
        case .moderate: .moderate
        case .lenient: .lenient
        }
    }

    /// A problem with an agent definition: the field to blame and what is wrong.
    public struct Violation: Sendable, Hashable {
        public var field: String
        public var message: String
        /// A blocked tool type is a permission matter; everything else is a schema violation.
        public var kind: SecurityIncident.Kind
    }

    /// Checks an agent's `config` against the complexity limits and blocked tool types.
    public func violations(inAgentConfig config: JSONValue) -> [Violation] {
        var found: [Violation] = []
        let bytes = JSONText.encode(config).utf8.count
        if bytes > maxConfigBytes {
            found.append(Violation(field: "config", message: "is \(bytes) bytes; at most \(maxConfigBytes) at security level \(level.rawValue)", kind: .schemaViolation))
        }
        let depth = Self.depth(config) - 1
        if depth > maxConfigDepth {
            found.append(Violation(field: "config", message: "nests \(depth) levels deep; at most \(maxConfigDepth) at security level \(level.rawValue)", kind: .schemaViolation))
        }
        if let tools = config["tools"]?.arrayValue {
            if tools.count > maxToolsPerAgent {
                found.append(Violation(field: "config.tools", message: "has \(tools.count) tools; at most \(maxToolsPerAgent) at security level \(level.rawValue)", kind: .schemaViolation))
            }
            for (index, tool) in tools.enumerated() {
                let type = (tool["type"]?.stringValue ?? tool.stringValue ?? tool["name"]?.stringValue)?.lowercased()
                if let type, blockedToolTypes.contains(type) {
                    found.append(Violation(field: "config.tools[\(index)]", message: "tool type '\(type)' is blocked", kind: .permissionDenied))
                }
            }
        }
        for field in ["pipeline", "steps"] {
            if let steps = config[field]?.arrayValue, steps.count > maxPipelineSteps {
                found.append(Violation(field: "config.\(field)", message: "has \(steps.count) steps; at most \(maxPipelineSteps) at security level \(level.rawValue)", kind: .schemaViolation))
            }
        }
        return found
    }

    /// Containers on the deepest path; a scalar is 0, `{}` is 1.
    static func depth(_ value: JSONValue) -> Int {
        switch value {
        case .object(let fields): 1 + (fields.values.map(depth).max() ?? 0)
        case .array(let items): 1 + (items.map(depth).max() ?? 0)
        default: 0
        }
    }

    /// The limits as `GET /api/v1/security/limits` shows them.
    var json: JSONValue {
        [
            "security_level": .string(level.rawValue),
            "schema_limits": [
                "max_tools_per_agent": .int(Int64(maxToolsPerAgent)), "max_pipeline_steps": .int(Int64(maxPipelineSteps)),
                "max_config_depth": .int(Int64(maxConfigDepth)), "max_config_bytes": .int(Int64(maxConfigBytes)),
            ],
            "execution_limits": ["max_execution_time": .double(maxExecutionSeconds), "step_timeout": .double(stepTimeoutSeconds)],
            "rate_limits": [
                "tool_executions_per_hour": .double(toolExecutionsPerHour), "external_requests_per_hour": .double(externalRequestsPerHour),
            ],
            "network": [
                "allowed_domains": .array(network.allowedDomains.map(JSONValue.string)),
                "allow_private_networks": .bool(network.allowPrivateNetworks),
                "blocked_tool_types": .array(blockedToolTypes.sorted().map(JSONValue.string)),
            ],
        ]
    }
}
