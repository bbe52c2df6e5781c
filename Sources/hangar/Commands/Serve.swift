import ArgumentParser
import HangarApp

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API, the scheduler and a worker pool in one process (the main job).",
        discussion: """
            With --workers 0 this process serves the API only (then run `hangar worker` processes on the same PostgreSQL \
            database). On first start with authentication on, an admin API key is created, printed once and saved to \
            <data-dir>/admin.key. Every setting: docs/configuration.md (`hangar settings` prints the table).
            """)

    @Option(name: .long, help: "Address to listen on. Env: HANGAR_HOST. Default: 127.0.0.1")
    var host: String?

    @Option(name: .long, parsing: .unconditional, help: "Port to listen on (0 = any free port). Env: HANGAR_PORT. Default: 8000")
    var port: Int?

    @OptionGroup var storage: StorageOptions
    @OptionGroup var worker: WorkerOptions

    @Option(name: .customLong("max-body-bytes"), parsing: .unconditional, help: "Largest request body accepted (413 beyond). Env: HANGAR_MAX_BODY_BYTES. Default: 1048576")
    var maxBodyBytes: Int?

    @Option(name: .long, help: "required (default) or none (local development only: refuses non-loopback addresses). Env: HANGAR_AUTH")
    var auth: String?

    func run() async throws {
        var flags = worker.flags
        flags["http.host"] = host
        flags["http.port"] = port.map(String.init)
        flags["http.max_body_bytes"] = maxBodyBytes.map(String.init)
        flags["http.auth"] = auth
        try await HangarServe.run(settings: try await storage.settings(adding: flags))
    }
}
