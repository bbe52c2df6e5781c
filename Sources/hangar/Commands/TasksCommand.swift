import ArgumentParser
import Foundation
import HangarAPI
import HangarCore
import OpenAPIRuntime

struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "Submit and watch tasks on a running server.",
        subcommands: [Submit.self, Get.self, List.self, Cancel.self, Events.self])

    /// Exit codes of `--follow`: the task's outcome.
    static func exitCode(for status: String) -> ExitCode {
        switch status {
        case "completed": return .success
        case "failed": return ExitCode(1)
        case "cancelled": return ExitCode(3)
        case "timed_out": return ExitCode(4)
        default: return ExitCode(5)
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a task to an agent.",
            discussion: "With --follow, prints events to stderr as they happen, the final task to stdout, and exits with 0 (completed), 1 (failed), 3 (cancelled) or 4 (timed out).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Agent id or name.") var agent: String
        @Option(help: "Task input as JSON, e.g. '{\"type\":\"generate\",\"prompt\":\"hi\"}'.") var input: String
        @Option(help: "1-10 or low|normal|high|critical.") var priority: String?
        @Option(help: "Seconds one attempt may run.") var timeout: Double?
        @Option(name: .customLong("max-attempts"), help: "Attempts before the task fails (retries with backoff). Default: the server's (3).")
        var maxAttempts: Int?
        @Option(name: .customLong("idempotency-key"), help: "Submitting again with the same key returns the first task instead of a new one.")
        var idempotencyKey: String?
        @Flag(help: "Stream the task's progress until it ends.") var follow = false

        func validate() throws {
            _ = try decodeJSONArgument(input, name: "--input", as: Components.Schemas.TaskCreateFields.InputPayload.self)
            _ = try Self.priority(priority)
        }

        /// 1-10, or a name the document lists (the server reads names case-insensitively).
        static func priority(_ text: String?) throws -> Components.Schemas.Priority? {
            guard let text else { return nil }
            if let number = Int(text) { return .case1(number) }
            guard let name = Components.Schemas.Priority.Case2Payload(rawValue: text.lowercased()) else {
                let names = Components.Schemas.Priority.Case2Payload.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--priority must be 1-10 or one of \(names), got '\(text)'")
            }
            return .case2(name)
        }

        func run() async throws {
            let fields = Components.Schemas.TaskCreateFields(
                agentId: agent, input: try decodeJSONArgument(input, name: "--input", as: Components.Schemas.TaskCreateFields.InputPayload.self),
                priority: try Self.priority(priority), maxAttempts: maxAttempts, timeout: timeout)
            // The document's either/or rules (agent_id or agent, input or task) as the generator
            // types them: the branches `fields` meets, with nothing of their own to send.
            let body = Components.Schemas.TaskCreate(value1: fields, value2: .init(value1: .init()), value3: .init(value1: .init()))
            let api = client.client()
            let task = try await api.call {
                try await $0.submitTask(headers: .init(idempotencyKey: idempotencyKey), body: .json(body)).created.body.json
            }
            guard follow else {
                printJSON(task.json)
                return
            }
            let id = task.value.id
            FileHandle.standardError.write(Data("task \(id) queued\n".utf8))
            let printer = EventPrinter()
            try await api.followEvents(taskID: id) { event in
                FileHandle.standardError.write(Data(printer.line(event).utf8))
            }
            FileHandle.standardError.write(Data(printer.finish().utf8))
            let final = try await api.call { try await $0.getTask(path: .init(taskId: id)).ok.body.json }
            printJSON(final.json)
            throw TasksCommand.exitCode(for: final.value.status.rawValue)
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a task.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Task id.") var id: String

        func run() async throws {
            printJSON(try await client.client().call { try await $0.getTask(path: .init(taskId: id)).ok.body.json }.json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List recent tasks.")
        @OptionGroup var client: ClientOptions
        @Option(help: "Agent id or name.") var agent: String?
        @Option(help: "Status filter, e.g. running or queued,running.") var status: String?
        @Option(help: "Most tasks to list (1-1000).") var limit = 50

        func run() async throws {
            let tasks = try await client.client().call {
                try await $0.listTasks(query: .init(status: status, agentId: agent, limit: limit)).ok.body.json
            }
            // `created_at` as the server wrote it: through `Date` and back it can lose a millisecond.
            for (task, sent) in zip(tasks.value, tasks.json.arrayValue ?? []) {
                print("\(task.id)  \(task.status.rawValue)  attempts=\(task.attempts)  \(sent["created_at"]?.stringValue ?? "")")
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a task (queued: at once; running: within a second).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Task id.") var id: String

        func run() async throws {
            printJSON(try await client.client().call { try await $0.cancelTask(path: .init(taskId: id)).ok.body.json }.json)
        }
    }

    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a task's events; --follow streams until it ends.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Task id.") var id: String
        @Option(help: "Only events after this sequence number (resume where a previous read stopped).") var after: Int64 = 0
        @Flag(help: "Keep streaming until the task ends.") var follow = false

        func run() async throws {
            let api = client.client()
            let printer = EventPrinter()
            if follow {
                try await api.followEvents(taskID: id, after: after) { print(printer.line($0), terminator: "") }
            } else {
                let page = try await api.call {
                    try await $0.listTaskEvents(
                        path: .init(taskId: id), query: .init(after: Int(after), limit: 1000), headers: .init(accept: [.init(contentType: .json)])
                    ).ok.body.json
                }
                for event in page.json["events"]?.arrayValue ?? [] { print(printer.line(event), terminator: "") }
            }
            print(printer.finish(), terminator: "")
        }
    }
}

/// Prints events as lines. Streamed tokens run on one line (they are pieces of one text); the
/// next event, or the end, starts a new line instead of continuing the text's.
/// (Events arrive one at a time, in order: no two callers at once.)
final class EventPrinter: @unchecked Sendable {
    private var midLine = false

    func line(_ event: JSONValue) -> String {
        let text = describe(event)
        guard event["type"]?.stringValue == "token" else {
            defer { midLine = false }
            return midLine ? "\n" + text : text
        }
        if !text.isEmpty { midLine = !text.hasSuffix("\n") }
        return text
    }

    /// What ends the output: a newline if a token left the line open.
    func finish() -> String {
        defer { midLine = false }
        return midLine ? "\n" : ""
    }
}

/// One human-readable line per event.
func describe(_ event: JSONValue) -> String {
    let seq = event["seq"]?.intValue ?? 0
    let type = event["type"]?.stringValue ?? "?"
    let data = event["data"] ?? .null
    switch type {
    case "status":
        var line = "[\(seq)] \(data["status"]?.stringValue ?? "?") (attempt \(data["attempt"]?.intValue ?? 0))"
        if let error = data["error"]?.stringValue { line += ": \(error)" }
        if let retry = data["retry_at"]?.stringValue { line += ", retry at \(retry)" }
        return line + "\n"
    case "token":
        return data["text"]?.stringValue ?? ""
    case "log":
        return "[\(seq)] \(data["level"]?.stringValue ?? "info"): \(data["message"]?.stringValue ?? "")\n"
    default:
        return "[\(seq)] \(type) \(JSONText.encode(data))\n"
    }
}
