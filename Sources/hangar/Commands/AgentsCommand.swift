import ArgumentParser
import HangarCore
import NIOHTTP1

struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents", abstract: "Manage agents on a running server.",
        subcommands: [Create.self, List.self, Get.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register an agent.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Unique agent name.") var name: String
        @Option(help: "Agent kind (executor).") var kind = "llm"
        @Option(help: "provider/model, e.g. mock/echo or openai/gpt-4o-mini.") var model: String?
        @Option(help: "Agent config as JSON.") var config: String?
        @Option(name: .customLong("max-concurrency"), help: "Most tasks of this agent running at once.") var maxConcurrency: Int?
        @Option(help: "Description.") var description: String?

        func validate() throws {
            if let config { _ = try parseJSONArgument(config, name: "--config") }
        }

        func run() async throws {
            var body: [String: JSONValue] = ["name": .string(name), "kind": .string(kind)]
            if let model { body["model"] = .string(model) }
            if let config { body["config"] = try parseJSONArgument(config, name: "--config") }
            if let maxConcurrency { body["max_concurrency"] = .int(Int64(maxConcurrency)) }
            if let description { body["description"] = .string(description) }
            printJSON(try await client.client().send(.POST, "/api/v1/agents", body: .object(body)))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List agents.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let agents = try await client.client().send(.GET, "/api/v1/agents?limit=1000")
            for agent in agents.arrayValue ?? [] {
                let model = agent["model"]?.stringValue ?? "-"
                print("\(agent["id"]?.stringValue ?? "")  \(agent["name"]?.stringValue ?? "")  \(agent["kind"]?.stringValue ?? "")  \(model)")
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an agent (by id or name).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Agent id or name.") var agent: String

        func run() async throws {
            printJSON(try await client.client().send(.GET, "/api/v1/agents/\(pathEscape(agent))"))
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an agent; its queued tasks are cancelled.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Agent id or name.") var agent: String

        func run() async throws {
            printJSON(try await client.client().send(.DELETE, "/api/v1/agents/\(pathEscape(agent))"))
        }
    }
}

func pathEscape(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(.init(charactersIn: "/"))) ?? text
}

import Foundation
