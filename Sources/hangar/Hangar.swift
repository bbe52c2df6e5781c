import ArgumentParser

@main
struct Hangar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hangar",
        abstract: "A self-hosted control plane for AI agents.",
        discussion: """
            `hangar serve` runs everything in one process on SQLite in ./.hangar (no other service needed).
            With --database postgres://…, any number of `hangar serve` and `hangar worker` processes share one queue.
            Client commands (agents, tasks) talk to a running server over its HTTP API.
            """,
        version: "0.1.0",
        subcommands: [
            Serve.self, Worker.self, Migrate.self, KeysCommand.self, SecretsCommand.self, AgentsCommand.self, TasksCommand.self, SettingsCommand.self,
        ]
    )
}
