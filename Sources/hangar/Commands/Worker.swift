import ArgumentParser
import HangarApp
import HangarStore

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a worker pool (no HTTP API) against a shared PostgreSQL queue.")

    @OptionGroup var storage: WorkerStorageOptions
    @OptionGroup var worker: WorkerOptions

    func run() async throws {
        try await HangarWorker.run(settings: try await storage.settings(adding: worker.flags))
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply database migrations and exit (serve and worker also do this at start).",
        discussion: "Creates the SQLite database if it does not exist yet; with PostgreSQL, the database itself must exist.")

    @OptionGroup var storage: StorageOptions

    func run() async throws {
        let admin = try await storage.admin()
        let store = try await admin.openStore(logger: admin.logger("hangar.migrate"))
        try await store.close()
        print("migrations applied")
    }
}
