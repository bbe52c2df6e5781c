import HangarCore
import HangarRuntime
import HangarServer
import HangarSettings
import HangarSpeech
import HangarStore
import Logging
import ServiceLifecycle
import UnixSignals

/// `hangar worker`: a worker pool (no HTTP API) on a shared PostgreSQL queue.
public enum HangarWorker {
    public static func run(settings: Settings) async throws {
        let configuration = try ProcessConfiguration(settings)
        guard configuration.database.isShared else {
            throw StartupError("`hangar worker` needs a shared database: pass --database postgres://… (SQLite serves one process: use `hangar serve`)")
        }
        guard configuration.workers.count >= 1 else {
            throw StartupError("\(settings.source(of: "workers.count")) must be 1 or more for a worker (a worker with none would run nothing)")
        }
        Runtime.startLogging(configuration.logging)
        let logger = Runtime.logger("hangar.worker")
        Runtime.logAliases(settings, logger: logger)
        Runtime.bootstrapMetrics()
        let tracing = try Runtime.bootstrapTracing(process: "worker", logger: logger)
        let database = configuration.database
        let store = try await database.openStore(maxConnections: 10, logger: logger)
        let group: ServiceGroup
        do {
            let vault = try Runtime.vault(database: database, secretKey: configuration.security.secretKey, logger: logger)
            let processID = WorkerConfiguration.defaultWorkerID()
            // A worker hosts browser sessions: API replicas place new sessions on it and forward
            // requests for them to its internal listener; its pool claims the tasks pinned to them.
            let (process, sessions) = ProcessSetup.directory(
                id: processID, kind: "worker", store: store, vault: vault, settings: configuration.process, logger: logger)
            var browser = BrowserSetup.services(configuration: configuration, keepsSessions: true, logger: logger)
            browser.directory = sessions
            // Narrated tasks are spoken here, by this process's synthesiser; listeners reach the audio
            // through any API replica (`/api/v1/tasks/{id}/narration/audio`, forwarded to the internal listener).
            let speech = SpeechService(
                configuration: configuration.speech, logger: Runtime.logger("hangar.speech"),
                accepted: { HangarMetrics.shared.ttsAccepted(kind: $0.rawValue) })
            var services =
                (tracing.map { [$0] } ?? [])
                + Runtime.services(
                    store: store, workers: configuration.workers, webhooks: configuration.webhooks, vault: vault,
                    models: try Runtime.models(providers: configuration.providers, security: configuration.security, logger: logger), browser: browser,
                    bots: configuration.bots, narration: SpeechNarrationProvider(service: speech, byTask: true), processID: processID, logger: logger)
            services.append(speech)
            services.append(process)
            services.append(
                ProcessSetup.internalListener(
                    browser: browser, sessions: sessions, process: process, speech: speech, settings: configuration.process, logger: logger))
            // A worker has no API: with `process.metrics_port` it serves GET /metrics (no credential) for Prometheus.
            if let metricsPort = configuration.process.metricsPort {
                let host = configuration.process.metricsHost
                services.append(buildMetricsApplication(store: store, host: host, port: metricsPort, logger: logger))
                logger.info("serving /metrics", metadata: ["address": "\(host):\(metricsPort)"])
            }
            group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        } catch {
            try? await store.close()
            throw error
        }
        logger.info("worker started", metadata: ["workers": "\(configuration.workers.count)"])
        do {
            try await group.run()
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }
}
