import ArgumentParser
import Foundation
import HangarBackends
import HangarCore
import HangarStore
import Logging

/// Where the database is: the options every command that opens it shares. `serve`, `migrate`
/// and the admin commands take SQLite or PostgreSQL (`StorageOptions`); `worker` only a shared
/// PostgreSQL queue (`WorkerStorageOptions`, whose help says so).
protocol DatabaseOptions {
    var database: String? { get }
    var dataDir: String? { get }
    var wait: DatabaseWaitOption { get }
}

/// `--database-wait`, the same for every command that opens the database.
struct DatabaseWaitOption: ParsableArguments {
    @Option(
        name: .customLong("database-wait"),
        help: "How long start-up keeps retrying a PostgreSQL server that does not answer (30s, 2m, 0 = no retry). Env: HANGAR_DATABASE_WAIT. Default: 60s")
    var databaseWait: String?
}

struct StorageOptions: ParsableArguments, DatabaseOptions {
    @Option(name: .long, help: "postgres://user:pass@host:port/db, or a SQLite file path. Env: HANGAR_DATABASE_URL. Default: SQLite in --data-dir.")
    var database: String?

    @Option(name: .customLong("data-dir"), help: "Directory for the embedded SQLite database, the admin key and the secrets key. Env: HANGAR_DATA_DIR. Default: ./.hangar")
    var dataDir: String?

    @OptionGroup var wait: DatabaseWaitOption
}

struct WorkerStorageOptions: ParsableArguments, DatabaseOptions {
    @Option(name: .long, help: "The shared queue: postgres://user:pass@host:port/db (required). Env: HANGAR_DATABASE_URL.")
    var database: String?

    @Option(name: .customLong("data-dir"), help: "Directory for local files: the secrets key when HANGAR_SECRET_KEY is unset, browser profiles. Env: HANGAR_DATA_DIR. Default: ./.hangar")
    var dataDir: String?

    @OptionGroup var wait: DatabaseWaitOption
}

extension DatabaseOptions {
    var databaseURL: String? { database ?? Environment.string("HANGAR_DATABASE_URL") }
    var resolvedDataDir: String { dataDir ?? Environment.string("HANGAR_DATA_DIR") ?? ".hangar" }

    /// `HANGAR_SQLITE_SYNC`: `normal` (default) or `full` (an fsync per commit; see `SQLiteStore.init`).
    func sqliteFullSync() throws -> Bool {
        switch Environment.string("HANGAR_SQLITE_SYNC")?.lowercased() {
        case nil, "normal": return false
        case "full": return true
        case let other?: throw StartupError("HANGAR_SQLITE_SYNC: '\(other)' is neither 'normal' nor 'full'")
        }
    }

    func resolvedDatabaseWait() throws -> Duration {
        if let text = wait.databaseWait { return try parseDuration(text, name: "--database-wait") }
        return try Environment.string("HANGAR_DATABASE_WAIT").map { try parseDuration($0, name: "HANGAR_DATABASE_WAIT") } ?? .seconds(60)
    }

    /// Waits for the database (bounded), opens it and migrates. A database that cannot be used
    /// ends start-up with one line naming where Hangar went and why (`progress` hears each retry).
    ///
    /// `existing`: an admin command that reads or changes what a server made refuses to create
    /// an empty SQLite database where none is (a wrong directory would otherwise look empty).
    func openStore(
        maxConnections: Int, logger: Logger, existing: Bool = false, progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> any HangarStore {
        let url = databaseURL
        do {
            try await DatabaseWait(limit: try resolvedDatabaseWait()).untilReachable(databaseURL: url, logger: logger, progress: progress)
        } catch let gaveUp as DatabaseWait.GaveUp {
            throw StartupError(gaveUp.description)
        }
        if existing, !StoreFactory.isShared(url) {
            let path = StoreFactory.sqlitePath(databaseURL: url, dataDir: resolvedDataDir)
            guard FileManager.default.fileExists(atPath: path) else {
                throw StartupError(
                    "no Hangar database at \(path): run this where `hangar serve` keeps its data (--data-dir / HANGAR_DATA_DIR) "
                        + "or name the database (--database / HANGAR_DATABASE_URL)")
            }
        }
        let store = try StoreFactory.open(
            databaseURL: url, dataDir: resolvedDataDir, maxConnections: maxConnections, sqliteFullSync: try sqliteFullSync(), logger: logger)
        do {
            try await store.migrate()
        } catch {
            try? await store.close()
            guard let reason = StoreFactory.describe(error, databaseURL: url) else { throw error }
            throw StartupError("cannot migrate the database: \(reason)")
        }
        return store
    }
}

struct WorkerOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "Tasks this process runs at once. Env: HANGAR_WORKERS. Default: 16.")
    var workers: Int?

    @Option(name: .customLong("lease-seconds"), parsing: .unconditional, help: "Lease a worker holds on a task between heartbeats. Env: HANGAR_LEASE_SECONDS. Default: 30.")
    var leaseSeconds: Double?

    @Option(name: .customLong("claim-batch"), parsing: .unconditional, help: "Most tasks taken per claim. Default: 32.")
    var claimBatch: Int?

    @Option(name: .long, help: "How long finished tasks and their events, usage records (then folded into daily totals) and security incidents are kept (7d, 12h, …). Env: HANGAR_RETENTION. Default: 7d.")
    var retention: String?

    func resolvedWorkers() throws -> Int {
        let value = try workers ?? Environment.int("HANGAR_WORKERS") ?? 16
        guard value >= 0 else { throw StartupError("--workers must be 0 or more, got \(value)") }
        return value
    }

    func resolvedLease() throws -> Duration {
        let seconds = try leaseSeconds ?? Environment.string("HANGAR_LEASE_SECONDS").map { try parseDuration($0, name: "HANGAR_LEASE_SECONDS").seconds } ?? 30
        guard seconds >= 0.5 else { throw StartupError("--lease-seconds must be at least 0.5, got \(seconds)") }
        return .seconds(fractional: seconds)
    }

    func resolvedRetention() throws -> Duration {
        if let retention { return try parseDuration(retention, name: "--retention") }
        return try parseDuration(Environment.string("HANGAR_RETENTION") ?? "7d", name: "HANGAR_RETENTION")
    }
}
