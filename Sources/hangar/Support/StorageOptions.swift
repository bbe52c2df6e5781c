import ArgumentParser
import Foundation
import HangarApp
import HangarSettings

/// The flags every command that opens the database shares. `serve`, `migrate` and the admin
/// commands take SQLite or PostgreSQL (`StorageOptions`); `worker` only a shared PostgreSQL
/// queue (`WorkerStorageOptions`, whose help says so). Flags are the first layer of the
/// settings (then environment variables, then the config file): see docs/configuration.md.
protocol DatabaseOptions {
    var database: String? { get }
    var dataDir: String? { get }
    var shared: SharedOptions { get }
}

/// `--database-wait` and `--config`, the same for every command that opens the database.
struct SharedOptions: ParsableArguments {
    @Option(
        name: .customLong("database-wait"),
        help: "How long start-up keeps retrying a PostgreSQL server that does not answer (30s, 2m, 0 = no retry). Env: HANGAR_DATABASE_WAIT. Default: 60s")
    var databaseWait: String?

    @Option(name: .long, help: "A JSON settings file (docs/configuration.md); flags and environment variables win over it. Env: HANGAR_CONFIG_FILE")
    var config: String?
}

struct StorageOptions: ParsableArguments, DatabaseOptions {
    @Option(name: .long, help: "postgres://user:pass@host:port/db, or a SQLite file path. Env: HANGAR_DATABASE_URL. Default: SQLite in --data-dir.")
    var database: String?

    @Option(name: .customLong("data-dir"), help: "Directory for the embedded SQLite database, the admin key and the secrets key. Env: HANGAR_DATA_DIR. Default: ./.hangar")
    var dataDir: String?

    @OptionGroup var shared: SharedOptions
}

struct WorkerStorageOptions: ParsableArguments, DatabaseOptions {
    @Option(name: .long, help: "The shared queue: postgres://user:pass@host:port/db (required). Env: HANGAR_DATABASE_URL.")
    var database: String?

    @Option(name: .customLong("data-dir"), help: "Directory for local files: the secrets key when HANGAR_SECRET_KEY is unset, browser profiles. Env: HANGAR_DATA_DIR. Default: ./.hangar")
    var dataDir: String?

    @OptionGroup var shared: SharedOptions
}

extension DatabaseOptions {
    var flags: [String: String] {
        var flags: [String: String] = [:]
        flags["database.url"] = database
        flags["database.data_dir"] = dataDir
        flags["database.wait"] = shared.databaseWait
        return flags
    }

    /// Flags, then the environment, then `--config` / `HANGAR_CONFIG_FILE`.
    func settings(adding more: [String: String] = [:]) async throws -> Settings {
        let environment = ProcessInfo.processInfo.environment
        let file = shared.config ?? environment["HANGAR_CONFIG_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        return try await Settings(areas: SettingsCatalogue.areas, flags: flags.merging(more) { $1 }, environment: environment, file: file)
    }

    func admin() async throws -> AdminContext {
        try AdminContext(settings: try await settings())
    }
}

struct WorkerOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "Tasks this process runs at once. Env: HANGAR_WORKERS. Default: 16.")
    var workers: Int?

    @Option(name: .customLong("lease-seconds"), parsing: .unconditional, help: "Lease a worker holds on a task between heartbeats. Env: HANGAR_LEASE_SECONDS. Default: 30.")
    var leaseSeconds: Double?

    @Option(name: .customLong("claim-batch"), parsing: .unconditional, help: "Most tasks taken per claim. Env: HANGAR_CLAIM_BATCH. Default: 32.")
    var claimBatch: Int?

    @Option(name: .long, help: "How long finished tasks and their events, usage records (then folded into daily totals) and security incidents are kept (7d, 12h, …). Env: HANGAR_RETENTION. Default: 7d.")
    var retention: String?

    var flags: [String: String] {
        var flags: [String: String] = [:]
        flags["workers.count"] = workers.map(String.init)
        flags["workers.lease"] = leaseSeconds.map { String($0) }
        flags["workers.claim_batch"] = claimBatch.map(String.init)
        flags["workers.retention"] = retention
        return flags
    }
}
