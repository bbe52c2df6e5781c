import Foundation
import HangarErrorText
public import HangarCore
import HangarRuntime
import Tracing

/// A function an LLM agent may call. Results go back to the model as text; a tool that
/// fails reports the failure (`isError`) to the model instead of failing the task.
public protocol AgentTool: Sendable {
    var spec: ToolSpec { get }
    func call(_ arguments: JSONValue) async throws -> ToolOutput
}

public struct ToolOutput: Sendable, Hashable {
    public var text: String
    public var isError: Bool

    public init(text: String, isError: Bool = false) {
        self.text = text
        self.isError = isError
    }
}

/// What tools may reach, shared by every task of a process.
public struct ToolEnvironment: Sendable {
    /// Outbound requests of `http_request` and MCP servers over HTTP. Each connects through
    /// a `PinnedClient` of its own, to the address this policy approved.
    public var network: NetworkPolicy
    /// Resolves host names for the policy (tests substitute their own).
    public var resolve: @Sendable (String) -> [String]
    /// Commands an MCP server over stdio may run (the executable's name or path); `nil`
    /// allows any, empty allows none. Starting a process is running code on the worker, so
    /// the default is none (`HANGAR_MCP_COMMANDS`).
    public var mcpCommands: Set<String>?
    /// Largest response body `http_request` reads.
    public var maxResponseBytes: Int
    /// Longest one tool call may take (seed 004: a step takes at most 5 minutes).
    public var stepTimeout: Duration

    public init(
        network: NetworkPolicy = NetworkPolicy(), mcpCommands: Set<String>? = [], maxResponseBytes: Int = 256 * 1024,
        stepTimeout: Duration = .seconds(300), resolve: @escaping @Sendable (String) -> [String] = NetworkPolicy.resolve
    ) {
        self.network = network
        self.resolve = resolve
        self.mcpCommands = mcpCommands
        self.maxResponseBytes = maxResponseBytes
        self.stepTimeout = stepTimeout
    }
}

/// The tools of one task: built-ins and MCP servers' tools, opened from the agent's
/// `config.tools` and closed when the task ends.
public struct ToolBox: Sendable {
    public private(set) var tools: [String: any AgentTool] = [:]
    /// In the order offered to the model.
    public private(set) var specs: [ToolSpec] = []
    private var connections: [MCPConnection] = []

    public init() {}

    public var isEmpty: Bool { tools.isEmpty }

    /// Built-ins by name (`"http_request"`, `{"type": "current_time"}`) and MCP servers
    /// (`{"type": "mcp", "name": …, "command": …, "args": […]}` or `{"type": "mcp", "url": …}`).
    /// A configuration Hangar cannot honour is an error naming the entry.
    public static func open(_ config: [JSONValue], environment: ToolEnvironment) async throws -> ToolBox {
        var box = ToolBox()
        do {
            for (index, entry) in config.enumerated() {
                let type = entry.stringValue ?? entry["type"]?.stringValue ?? entry["name"]?.stringValue ?? ""
                switch type {
                case "http_request":
                    box.add(HTTPRequestTool(environment: environment))
                case "current_time":
                    box.add(CurrentTimeTool())
                case "mcp":
                    let connection = try MCPConnection(config: entry, index: index, environment: environment)
                    box.connections.append(connection)
                    for tool in try await connection.open() { box.add(tool, prefix: connection.name) }
                default:
                    throw TaskFailure(
                        code: "invalid_tool", message: "config.tools[\(index)]: unknown tool '\(type)' (built-ins: http_request, current_time; or type 'mcp')",
                        retryable: false)
                }
            }
        } catch {
            await box.close()
            throw error
        }
        return box
    }

    private mutating func add(_ tool: any AgentTool, prefix: String? = nil) {
        var spec = tool.spec
        // Two servers offering the same name: the later one is prefixed with its server's name.
        if tools[spec.name] != nil, let prefix { spec.name = "\(prefix)__\(spec.name)" }
        tools[spec.name] = tool
        specs.append(spec)
    }

    /// Runs a call within the step timeout, in a span (`execute_tool {name}`, OpenTelemetry's
    /// GenAI conventions) tagged with its task. Unknown tools, malformed arguments, failures and
    /// timeouts become error results for the model.
    public func call(_ call: ToolCall, timeout: Duration) async -> ToolOutput {
        let span = startSpan("execute_tool \(call.name)", ofKind: .internal)
        defer { span.end() }
        guard span.isRecording else { return await run(call, timeout: timeout) }
        span.attributes["gen_ai.operation.name"] = "execute_tool"
        span.attributes["gen_ai.tool.name"] = call.name
        span.attributes["gen_ai.tool.call.id"] = call.id
        TaskTracing.tag(span)
        let output = await InstrumentationContext.withValue(span.context) { await run(call, timeout: timeout) }
        if output.isError { span.setStatus(SpanStatus(code: .error, message: String(output.text.prefix(200)))) }
        return output
    }

    private func run(_ call: ToolCall, timeout: Duration) async -> ToolOutput {
        guard let tool = tools[call.name] else {
            return ToolOutput(text: "unknown tool '\(call.name)'; available: \(specs.map(\.name).joined(separator: ", "))", isError: true)
        }
        let arguments: JSONValue
        do {
            arguments = call.arguments.trimmingCharacters(in: .whitespaces).isEmpty ? .emptyObject : try JSONText.decode(call.arguments)
        } catch {
            return ToolOutput(text: "arguments are not valid JSON: \(ErrorText.describe(error))", isError: true)
        }
        do {
            return try await withDeadline(.now + timeout) { try await tool.call(arguments) }
        } catch is DeadlineExceeded {
            return ToolOutput(text: "tool '\(call.name)' timed out after \(Int(timeout.seconds)) s", isError: true)
        } catch let failure as TaskFailure {
            return ToolOutput(text: failure.message, isError: true)
        } catch {
            return ToolOutput(text: "tool '\(call.name)' failed: \(ErrorText.describe(error))", isError: true)
        }
    }

    public func close() async {
        for connection in connections { await connection.close() }
    }
}
