import ArgumentParser
import Foundation
import HangarAPI
import HangarCore

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
            let agent = Components.Schemas.AgentCreate(
                name: name, description: description, kind: kind, model: model,
                config: try config.map { try decodeJSONArgument($0, name: "--config", as: Components.Schemas.AgentCreate.ConfigPayload.self) },
                maxConcurrency: maxConcurrency)
            printJSON(try await client.client().call { try await $0.createAgent(body: .json(agent)).created.body.json }.json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List agents.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let agents = try await client.client().call { try await $0.listAgents(query: .init(limit: 1000)).ok.body.json }.value
            for agent in agents {
                print("\(agent.id)  \(agent.name)  \(agent.kind)  \(agent.model ?? "-")")
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an agent (by id or name).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Agent id or name.") var agent: String

        func run() async throws {
            printJSON(try await client.client().call { try await $0.getAgent(path: .init(agentId: agent)).ok.body.json }.json)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an agent; its queued tasks are cancelled.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Agent id or name.") var agent: String

        func run() async throws {
            printJSON(try await client.client().call { try await $0.deleteAgent(path: .init(agentId: agent)).ok.body.json }.json)
        }
    }
}
