import ArgumentParser
import HangarBackends
import HangarRuntime
import Logging
import ServiceLifecycle
import UnixSignals
import HangarCore
import HangarStore
import HangarServer
import HangarSpeech
import Hummingbird

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a worker pool (no HTTP API) against a shared PostgreSQL queue.")

    @OptionGroup var storage: WorkerStorageOptions
    @OptionGroup var worker: WorkerOptions

    func validate() throws {
        guard StoreFactory.isShared(storage.databaseURL) else {
            throw ValidationError("`hangar worker` needs a shared database: pass --database postgres://… (SQLite serves one process: use `hangar serve`)")
        }
        try Runtime.checkLoggingEnvironment()
        _ = try worker.resolvedLease()
        _ = try worker.resolvedRetention()
        if try worker.resolvedWorkers() < 1 {
            throw ValidationError("--workers must be 1 or more for a worker (a worker with none would run nothing)")
        }
    }

    func run() async throws {
        let logger = Runtime.logger("hangar.worker")
        Runtime.bootstrapMetrics()
        let tracing = try Runtime.bootstrapTracing(process: "worker", logger: logger)
        let store = try await storage.openStore(maxConnections: 10, logger: logger)
        let vault = try Runtime.vault(storage: storage, logger: logger)
        let processID = WorkerConfiguration.defaultWorkerID()
        // A worker hosts browser sessions: API replicas place new sessions on it and forward
        // requests for them to its internal listener; its pool claims the tasks pinned to them.
        let (process, sessions) = try ProcessSetup.directory(id: processID, kind: "worker", store: store, vault: vault, logger: logger)
        var browser = try BrowserSetup.services(dataDirectory: storage.resolvedDataDir, keepsSessions: true, logger: logger)
        browser.directory = sessions
        // Narrated tasks are spoken here, by this process's synthesiser; listeners reach the audio
        // through any API replica (`/api/v1/tasks/{id}/narration/audio`, forwarded to the internal listener).
        let speech = SpeechService(
            configuration: try SpeechConfiguration.fromEnvironment(dataDirectory: storage.resolvedDataDir), logger: Runtime.logger("hangar.speech"))
        var services = try (tracing.map { [$0] } ?? []) + Runtime.services(
            store: store, options: worker, vault: vault, models: try Runtime.models(logger: logger), browser: browser,
            narration: SpeechNarrationProvider(service: speech, byTask: true), processID: processID, logger: logger)
        services.append(speech)
        services.append(process)
        services.append(try ProcessSetup.internalListener(browser: browser, sessions: sessions, process: process, speech: speech, logger: logger))
        // A worker has no API: with HANGAR_METRICS_PORT it serves GET /metrics (no credential)
        // on HANGAR_METRICS_HOST (default 127.0.0.1) for Prometheus.
        if let metricsPort = try Environment.int("HANGAR_METRICS_PORT") {
            let host = Environment.string("HANGAR_METRICS_HOST") ?? "127.0.0.1"
            services.append(buildMetricsApplication(store: store, host: host, port: metricsPort, logger: logger))
            logger.info("serving /metrics", metadata: ["address": "\(host):\(metricsPort)"])
        }
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
    static let configuration = CommandConfiguration(
        abstract: "Apply database migrations and exit (serve and worker also do this at start).",
        discussion: "Creates the SQLite database if it does not exist yet; with PostgreSQL, the database itself must exist.")

    @OptionGroup var storage: StorageOptions

    func run() async throws {
        let store = try await storage.openStore(maxConnections: 2, logger: Runtime.logger("hangar.migrate"))
        try await store.close()
        print("migrations applied")
    }
}
