import ArgumentParser
import Foundation
import HangarBackends
import HangarCore
import HangarStore
import Logging

struct StorageOptions: ParsableArguments {
    @Option(name: .long, help: "postgres://user:pass@host:port/db, or a SQLite file path. Env: HANGAR_DATABASE_URL. Default: SQLite in --data-dir.")
    var database: String?

    @Option(name: .customLong("data-dir"), help: "Directory for the embedded SQLite database. Env: HANGAR_DATA_DIR. Default: ./.hangar")
    var dataDir: String?

    var databaseURL: String? { database ?? Environment.string("HANGAR_DATABASE_URL") }
    var resolvedDataDir: String { dataDir ?? Environment.string("HANGAR_DATA_DIR") ?? ".hangar" }

    func openStore(maxConnections: Int, logger: Logger) async throws -> any HangarStore {
        let store = try StoreFactory.open(databaseURL: databaseURL, dataDir: resolvedDataDir, maxConnections: maxConnections, logger: logger)
        try await store.migrate()
        return store
    }
}

struct WorkerOptions: ParsableArguments {
    @Option(name: .long, help: "Tasks this process runs at once. Env: HANGAR_WORKERS. Default: 16 (0 = API only).")
    var workers: Int?

    @Option(name: .customLong("lease-seconds"), help: "Lease a worker holds on a task between heartbeats. Env: HANGAR_LEASE_SECONDS. Default: 30.")
    var leaseSeconds: Double?

    @Option(name: .customLong("claim-batch"), help: "Most tasks taken per claim. Default: 32.")
    var claimBatch: Int?

    @Option(name: .long, help: "How long finished tasks and their events are kept (7d, 12h, …). Env: HANGAR_RETENTION. Default: 7d.")
    var retention: String?

    func resolvedWorkers() throws -> Int {
        let value = try workers ?? Environment.int("HANGAR_WORKERS") ?? 16
        guard value >= 0 else { throw ValidationError("--workers must be 0 or more") }
        return value
    }

    func resolvedLease() throws -> Duration {
        let seconds = try leaseSeconds ?? Environment.string("HANGAR_LEASE_SECONDS").map { try parseDuration($0, name: "HANGAR_LEASE_SECONDS").seconds } ?? 30
        guard seconds >= 0.5 else { throw ValidationError("--lease-seconds must be at least 0.5") }
        return .seconds(fractional: seconds)
    }

    func resolvedRetention() throws -> Duration {
        try parseDuration(retention ?? Environment.string("HANGAR_RETENTION") ?? "7d", name: "retention")
    }
}
