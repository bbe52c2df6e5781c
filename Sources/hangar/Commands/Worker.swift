import ArgumentParser
import HangarBackends
import HangarRuntime
import Logging
import ServiceLifecycle
import UnixSignals
import HangarCore
import HangarStore

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a worker pool (no HTTP API) against a shared PostgreSQL queue.")

    @OptionGroup var storage: StorageOptions
    @OptionGroup var worker: WorkerOptions

    func run() async throws {
        guard StoreFactory.isShared(storage.databaseURL) else {
            throw ValidationError("`hangar worker` needs a shared database: pass --database postgres://… (SQLite serves one process: use `hangar serve`)")
        }
        let logger = Runtime.logger("hangar.worker")
        let store = try await storage.openStore(maxConnections: 10, logger: logger)
        let services = try Runtime.services(
            store: store, options: worker, vault: try Runtime.vault(storage: storage, logger: logger), models: try Runtime.models(logger: logger),
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let workers = try worker.resolvedWorkers()
        logger.info("worker started", metadata: ["workers": "\(workers)"])
        do {
            try await group.run()
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply database migrations and exit (serve and worker also do this at start).")

    @OptionGroup var storage: StorageOptions

    func run() async throws {
        let store = try await storage.openStore(maxConnections: 2, logger: Runtime.logger("hangar.migrate"))
        try await store.close()
        print("migrations applied")
    }
}
