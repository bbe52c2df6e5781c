import Foundation
public import HangarCore

/// An `external` agent's `config`, checked: how it runs (`mode`), where (`runtime`), and what
/// (`url`, `command` or `image`), with the environment and secrets a job gets. Every refusal
/// is `HangarError.invalid` naming the field (`config.<name>`).
public struct ExternalAgentConfig: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        /// A long-running server that takes each task over HTTP (Agent Protocol).
        case service
        /// One run to completion per task.
        case job
    }

    public enum Place: String, Sendable, CaseIterable {
        case local
        case kubernetes
    }

    public enum Target: Sendable, Equatable {
        /// A running Agent Protocol server's base URL (no trailing slash).
        case url(String)
        /// argv: the program and its arguments.
        case command([String])
        /// A container image (seed 002's `docker_image`).
        case image(String)
    }

    public var mode: Mode
    public var runtime: Place
    public var target: Target
    /// Extra variables a job's process gets.
    public var env: [String: String]
    /// Names of the agent's secrets a job gets as variables of the same name.
    public var secrets: [String]
    /// Copies of a service (used by runtimes that start services; kept, shown back).
    public var replicas: Int
    /// Agent Protocol: the assistant (graph) a run targets.
    public var assistantID: String?
    /// Agent Protocol: where the health probe goes.
    public var healthPath: String
    /// Agent Protocol: `runs/stream` (events into the task's log) instead of `runs/wait`.
    public var stream: Bool
    /// A job's working directory (absolute); the worker's own when unset.
    public var workingDirectory: String?

    public static let fields: Set<String> = [
        "mode", "runtime", "url", "command", "image", "env", "secrets", "replicas", "assistant_id", "health_path", "stream",
        "working_directory",
        // Seed 002's top-level fields, kept here by the agent API (shown back at the top level too).
        "type", "resource_requirements",
    ]
    static let maxArguments = 256
    static let maxArgumentBytes = 8192

    /// Parses and checks `config`. Refuses what this build cannot run (`kubernetes`, an image
    /// on the local runtime, a local service from a command) with a message saying so.
    public static func parse(_ config: JSONValue) throws(HangarError) -> ExternalAgentConfig {
        guard case .object(let fields) = config else { throw invalid("config", "must be an object") }
        for key in fields.keys.sorted() where !Self.fields.contains(key) {
            throw invalid("config.\(key)", "is not an external agent setting; known: \(Self.fields.sorted().joined(separator: ", "))")
        }
        let runtimeName = try string(fields, "runtime") ?? Place.local.rawValue
        guard let runtime = Place(rawValue: runtimeName) else { throw invalid("config.runtime", "must be local or kubernetes, got '\(runtimeName)'") }
        let given = ["url", "command", "image"].filter { fields[$0] != nil && fields[$0] != .null }
        guard given.count == 1, let which = given.first else {
            throw invalid(
                given.isEmpty ? "config" : "config.\(given[1])",
                given.isEmpty
                    ? "needs one of url (a running Agent Protocol server), command (an argv array) or image (a container image)"
                    : "give one of url, command or image, not \(given.joined(separator: " and "))")
        }
        let target: Target
        switch which {
        case "url": target = .url(try url(fields))
        case "command": target = .command(try command(fields))
        default:
            guard let image = try string(fields, "image", maxLength: 512), !image.isEmpty else { throw invalid("config.image", "must be a non-empty string") }
            target = .image(image)
        }
        let modeName = try string(fields, "mode") ?? (which == "url" ? Mode.service.rawValue : Mode.job.rawValue)
        guard let mode = Mode(rawValue: modeName) else { throw invalid("config.mode", "must be service or job, got '\(modeName)'") }
        if runtime == .kubernetes {
            throw invalid("config.runtime", "kubernetes is not built yet in this version of Hangar; use local")
        }
        switch (mode, target) {
        case (_, .image):
            throw invalid(
                "config.image",
                "a container image (seed 002's docker_image) needs a container runtime, and the local runtime has none configured; give a command or a url")
        case (.job, .url):
            throw invalid("config.mode", "a url names a running service: mode must be service")
        case (.service, .command):
            throw invalid("config.mode", "a local service started from a command is not built yet; run the server yourself and give its url, or use mode job")
        default: break
        }
        var config = ExternalAgentConfig(
            mode: mode, runtime: runtime, target: target, env: try env(fields), secrets: try secrets(fields), replicas: 1, assistantID: nil,
            healthPath: "/ok", stream: false, workingDirectory: nil)
        if let replicas = fields["replicas"], replicas != .null {
            guard let count = replicas.intValue, (1...100).contains(count) else { throw invalid("config.replicas", "must be an integer from 1 to 100") }
            config.replicas = count
        }
        config.assistantID = try string(fields, "assistant_id", maxLength: 256)
        if let path = try string(fields, "health_path", maxLength: 1024) {
            guard path.hasPrefix("/") else { throw invalid("config.health_path", "must start with /") }
            config.healthPath = path
        }
        if let stream = fields["stream"], stream != .null {
            guard let flag = stream.boolValue else { throw invalid("config.stream", "must be true or false") }
            config.stream = flag
        }
        if let directory = try string(fields, "working_directory", maxLength: 4096) {
            guard directory.hasPrefix("/") else { throw invalid("config.working_directory", "must be an absolute path") }
            config.workingDirectory = directory
        }
        if let type = fields["type"], type != .null, type.stringValue == nil { throw invalid("config.type", "must be a string") }
        if let requirements = fields["resource_requirements"], requirements != .null {
            guard case .object(let values) = requirements, values.values.allSatisfy({ $0.stringValue != nil || $0.doubleValue != nil }) else {
                throw invalid("config.resource_requirements", "must be an object of quantities such as {\"cpu\": \"4\", \"memory\": \"8Gi\", \"gpu\": \"1\"}")
            }
        }
        return config
    }

    private static func url(_ fields: [String: JSONValue]) throws(HangarError) -> String {
        guard var text = try string(fields, "url", maxLength: 2048), let parsed = URLComponents(string: text),
            let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme), let host = parsed.host, !host.isEmpty,
            parsed.query == nil, parsed.fragment == nil
        else { throw invalid("config.url", "must be an http(s) URL with a host and no query, the server's base (such as http://agents.internal:2024)") }
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    private static func command(_ fields: [String: JSONValue]) throws(HangarError) -> [String] {
        guard case .array(let items) = fields["command"], !items.isEmpty, items.count <= maxArguments else {
            throw invalid("config.command", "must be a non-empty array of strings (argv: the program, then its arguments), at most \(maxArguments)")
        }
        var argv: [String] = []
        for (index, item) in items.enumerated() {
            guard let argument = item.stringValue, argument.utf8.count <= maxArgumentBytes, !argument.contains("\0") else {
                throw invalid("config.command[\(index)]", "must be a string of at most \(maxArgumentBytes) bytes without NUL")
            }
            argv.append(argument)
        }
        guard !argv[0].isEmpty else { throw invalid("config.command[0]", "must name a program") }
        return argv
    }

    private static func env(_ fields: [String: JSONValue]) throws(HangarError) -> [String: String] {
        guard let value = fields["env"], value != .null else { return [:] }
        guard case .object(let entries) = value, entries.count <= 256 else { throw invalid("config.env", "must be an object of at most 256 NAME: value strings") }
        var env: [String: String] = [:]
        for (name, value) in entries {
            try checkVariableName(name, field: "config.env.\(name)")
            guard let text = value.stringValue, !text.contains("\0"), text.utf8.count <= 65536 else {
                throw invalid("config.env.\(name)", "must be a string of at most 64 KiB without NUL")
            }
            env[name] = text
        }
        return env
    }

    private static func secrets(_ fields: [String: JSONValue]) throws(HangarError) -> [String] {
        guard let value = fields["secrets"], value != .null else { return [] }
        guard case .array(let items) = value, items.count <= 100 else { throw invalid("config.secrets", "must be an array of at most 100 secret names") }
        var names: [String] = []
        for (index, item) in items.enumerated() {
            guard let name = item.stringValue else { throw invalid("config.secrets[\(index)]", "must be a secret's name (a string)") }
            try checkVariableName(name, field: "config.secrets[\(index)]")
            names.append(name)
        }
        return names
    }

    /// Names a process sees as environment variables: portable spelling, none of the
    /// `HANGAR_` names the job contract sets, and none that change which code runs (the
    /// program lookup, the dynamic loader, iconv modules), as for MCP commands.
    static func checkVariableName(_ name: String, field: String) throws(HangarError) {
        let valid = !name.isEmpty && name.utf8.count <= 128 && name.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
            && !("0"..."9").contains(name.unicodeScalars.first!)
        guard valid else { throw invalid(field, "'\(name)' is not an environment variable name (letters, digits, _; not starting with a digit)") }
        guard !name.uppercased().hasPrefix("HANGAR_") else { throw invalid(field, "names starting with HANGAR_ are set by Hangar itself") }
        if name == "PATH" || name == "GCONV_PATH" || name.hasPrefix("LD_") || name.hasPrefix("DYLD_") {
            throw invalid(field, "'\(name)' would change which code the program runs; it cannot be set")
        }
    }

    private static func string(_ fields: [String: JSONValue], _ key: String, maxLength: Int = 64) throws(HangarError) -> String? {
        guard let value = fields[key], value != .null else { return nil }
        guard let text = value.stringValue, text.count <= maxLength else { throw invalid("config.\(key)", "must be a string of at most \(maxLength) characters") }
        return text
    }

    static func invalid(_ field: String, _ message: String) -> HangarError {
        .invalid(field: field, message: message)
    }
}
