import AsyncHTTPClient
import HangarErrorText
import Foundation
import HangarCore
import Logging
import MCP
import NIOPosix
import SystemPackage

/// One MCP server an agent uses, for the length of a task: started (stdio) or reached
/// (streamable HTTP), asked for its tools, called, and closed.
actor MCPConnection {
    enum Target {
        case stdio(command: String, arguments: [String], environment: [String: String])
        case http(url: String, headers: [String: String])
    }

    nonisolated let name: String
    let target: Target
    let environment: ToolEnvironment
    private var client: Client?
    private var process: Process?
    /// The client an HTTP server is reached with, bound to the address the policy approved.
    private var pinned: PinnedClient?
    private let logger = Logger(label: "hangar.mcp")

    init(config: JSONValue, index: Int, environment: ToolEnvironment) throws {
        let field = "config.tools[\(index)]"
        func invalid(_ message: String) -> TaskFailure {
            TaskFailure(code: "invalid_tool", message: "\(field): \(message)", retryable: false)
        }
        if let command = config["command"]?.stringValue {
            let arguments = config["args"]?.arrayValue?.compactMap(\.stringValue) ?? []
            var variables: [String: String] = [:]
            for (key, value) in config["env"]?.objectValue ?? [:] { variables[key] = value.stringValue }
            // The allow list names exactly what may run: `npx` is the server's `npx` on the
            // server's PATH, never a tenant's file of the same name or a PATH of its choosing.
            if let allowed = environment.mcpCommands {
                guard allowed.contains(command) else {
                    throw invalid("MCP command '\(command)' is not allowed on this worker (HANGAR_MCP_COMMANDS)")
                }
                if let key = variables.keys.first(where: Self.isLoaderVariable) {
                    throw invalid("env '\(key)' cannot be set: it changes which program runs")
                }
            }
            target = .stdio(command: command, arguments: arguments, environment: variables)
        } else if let url = config["url"]?.stringValue {
            var headers: [String: String] = [:]
            for (key, value) in config["headers"]?.objectValue ?? [:] { headers[key] = value.stringValue }
            target = .http(url: url, headers: headers)
        } else {
            throw invalid("an MCP server needs 'command' (stdio) or 'url' (streamable HTTP)")
        }
        name = config["name"]?.stringValue ?? "mcp\(index)"
        self.environment = environment
    }

    /// Connects, initialises, and lists the server's tools (following pagination).
    func open() async throws -> [any AgentTool] {
        let client = Client(name: "hangar", version: "1.0")
        let transport: any Transport
        switch target {
        case .stdio(let command, let arguments, let variables):
            transport = try startProcess(command: command, arguments: arguments, environment: variables)
        case .http(let url, let headers):
            let bound: PinnedClient
            do {
                bound = try await PinnedClient.make(for: url, policy: environment.network, resolve: environment.resolve)
            } catch let refused as PinnedClient.Refused {
                throw TaskFailure(code: "network_refused", message: "MCP server '\(name)' refused: \(refused.reason)", retryable: false)
            }
            pinned = bound
            transport = StreamableHTTPTransport(endpoint: url, headers: headers, client: bound.client, timeout: environment.stepTimeout, logger: logger)
        }
        do {
            _ = try await withDeadline(.now + .seconds(30)) { try await client.connect(transport: transport) }
        } catch {
            throw TaskFailure(code: "mcp_unavailable", message: "MCP server '\(name)' did not start: \(ErrorText.describe(error))", retryable: true)
        }
        self.client = client
        var tools: [any AgentTool] = []
        var cursor: String?
        repeat {
            let page = try await client.listTools(cursor: cursor)
            for tool in page.tools { tools.append(MCPTool(connection: self, tool: tool)) }
            cursor = page.nextCursor
        } while cursor != nil && tools.count < 1000
        return tools
    }

    func call(_ name: String, arguments: JSONValue) async throws -> ToolOutput {
        guard let client else { throw TaskFailure(code: "mcp_closed", message: "MCP server '\(self.name)' is not connected", retryable: false) }
        let values = arguments.objectValue?.mapValues(MCPValues.value) ?? [:]
        let (content, isError) = try await client.callTool(name: name, arguments: values)
        let text = content.map { item -> String in
            switch item {
            case .text(let text, _, _): text
            case .image(_, let mimeType, _, _): "[image \(mimeType)]"
            default: "[\(String(describing: item).prefix(80))]"
            }
        }.joined(separator: "\n")
        return ToolOutput(text: text, isError: isError ?? false)
    }

    func close() async {
        await client?.disconnect()
        client = nil
        await pinned?.shutdown()
        pinned = nil
        if let process, process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        process = nil
    }

    /// Variables that choose the program or the code it loads (`PATH`, the dynamic loader's).
    static func isLoaderVariable(_ name: String) -> Bool {
        let upper = name.uppercased()
        return upper == "PATH" || upper.hasPrefix("LD_") || upper.hasPrefix("DYLD_") || upper == "GCONV_PATH"
    }

    /// `command` as an absolute path: as given when it has a slash, else found on this
    /// process's own PATH (not one from the task's config).
    static func locate(_ command: String) -> String? {
        if command.contains("/") { return FileManager.default.isExecutableFile(atPath: command) ? command : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(command)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private func startProcess(command: String, arguments: [String], environment variables: [String: String]) throws -> any Transport {
        let process = Process()
        guard let executable = Self.locate(command) else {
            throw TaskFailure(code: "mcp_unavailable", message: "MCP server '\(name)': '\(command)' is not an executable on this worker", retryable: false)
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "TMPDIR"].contains($0.key) }
        environment.merge(variables) { _, new in new }
        process.environment = environment
        let toServer = Pipe()
        let fromServer = Pipe()
        process.standardInput = toServer
        process.standardOutput = fromServer
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw TaskFailure(code: "mcp_unavailable", message: "MCP server '\(name)': cannot start '\(command)': \(ErrorText.describe(error))", retryable: false)
        }
        self.process = process
        return StdioTransport(
            input: FileDescriptor(rawValue: fromServer.fileHandleForReading.fileDescriptor),
            output: FileDescriptor(rawValue: toServer.fileHandleForWriting.fileDescriptor), logger: logger)
    }
}

/// A tool of an MCP server, offered under the server's name for it.
struct MCPTool: AgentTool {
    let connection: MCPConnection
    let tool: Tool

    var spec: ToolSpec {
        ToolSpec(name: tool.name, description: tool.description ?? "", parameters: MCPValues.json(tool.inputSchema))
    }

    func call(_ arguments: JSONValue) async throws -> ToolOutput {
        try await connection.call(tool.name, arguments: arguments)
    }
}

/// MCP's `Value` and Hangar's `JSONValue`, both plain JSON.
enum MCPValues {
    static func value(_ json: JSONValue) -> Value {
        switch json {
        case .null: .null
        case .bool(let value): .bool(value)
        case .int(let value): .int(Int(value))
        case .double(let value): .double(value)
        case .string(let value): .string(value)
        case .array(let items): .array(items.map(value))
        case .object(let fields): .object(fields.mapValues(value))
        }
    }

    static func json(_ value: Value) -> JSONValue {
        switch value {
        case .null: .null
        case .bool(let value): .bool(value)
        case .int(let value): .int(Int64(value))
        case .double(let value): .double(value)
        case .string(let value): .string(value)
        case .data(let mimeType, let data): .string("data:\(mimeType ?? "application/octet-stream");base64,\(data.base64EncodedString())")
        case .array(let items): .array(items.map(json))
        case .object(let fields): .object(fields.mapValues(json))
        }
    }
}
