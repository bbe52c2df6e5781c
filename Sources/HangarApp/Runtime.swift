import Foundation
import HangarAgents
import HangarAuth
import HangarBackends
import HangarBots
import HangarBrowser
import HangarCore
import HangarExternal
import HangarRuntime
import HangarServer
import HangarSettings
import HangarStore
import HangarTelemetry
import HangarWebhooks
import Logging
import ServiceLifecycle
import Synchronization

/// The agent kinds this build runs, and the background services of a process.
enum Runtime {
    static func registry(models: ModelSetup, browser: BrowserServices, store: any HangarStore, bots: BotConfiguration) -> ExecutorRegistry {
        ExecutorRegistry([
            "llm": LLMExecutor(catalog: models.catalog, tools: models.tools),
            BrowserExecutor.kind: BrowserSetup.executor(catalog: models.catalog, services: browser),
            BotExecutor.kind: BotExecutor(store: store, catalog: models.catalog, platforms: BotPlatforms.make(bots)),
            ExternalExecutor.kind: ExternalExecutor(
                client: AgentProtocolClient(policy: models.tools.network, resolve: models.tools.resolve), commands: models.externalCommands),
        ])
    }

    /// Model providers and prices, and what tools may reach.
    struct ModelSetup: Sendable {
        var catalog: ModelCatalog
        var tools: ToolEnvironment
        /// Programs external jobs may run (`HANGAR_EXTERNAL_COMMANDS`); `nil`: any.
        var externalCommands: Set<String>? = []
    }

    /// Providers' and tools' HTTP clients (see `ProviderConfiguration.makeHTTPClient`), for the
    /// life of the process.
    private static let providerClient = ProviderConfiguration.makeHTTPClient()

    static func models(providers: ProviderConfiguration.Values, security: SecuritySettings, logger: Logger) throws -> ModelSetup {
        // The environment only for the variables an endpoint names itself (`api_key_env`).
        let catalog = try ProviderConfiguration.catalog(
            providers, environment: ProcessInfo.processInfo.environment, client: providerClient, logger: logger)
        let tools = ToolEnvironment(
            network: security.policy.network, mcpCommands: security.mcpCommands,
            stepTimeout: .seconds(fractional: security.policy.stepTimeoutSeconds))
        return ModelSetup(catalog: catalog, tools: tools, externalCommands: security.externalCommands)
    }

    /// The master key for agent secrets: `security.secret_key`, else `<data-dir>/secret.key`.
    /// Processes sharing a PostgreSQL database must share the key, so say so when a process
    /// falls back to a local file there.
    static func vault(database: DatabaseSettings, secretKey: String?, logger: Logger) throws -> SecretBox {
        if secretKey == nil, database.isShared {
            logger.warning(
                "HANGAR_SECRET_KEY is not set: secrets use the key in \(database.dataDirectory)/secret.key; every process sharing this database needs the same key")
        }
        return try SecretBox.load(environmentKey: secretKey, dataDir: database.dataDirectory)
    }

    /// `narration`: how tasks with `options.enable_tts` are spoken.
    static func services(
        store: any HangarStore, workers: WorkerSettings, webhooks: WebhookDispatcher.Configuration, vault: SecretBox, models: ModelSetup,
        browser: BrowserServices, bots: BotConfiguration, narration: (any NarrationProvider)? = nil, processID: String, logger: Logger
    ) -> [any Service] {
        let retry = Backoff.taskRetries
        // A shared database's session directory forgets the sessions housekeeping closes.
        let forget: (@Sendable (String) async -> Void)? = browser.directory.map { directory in
            { @Sendable id in _ = try? await directory.store.sessionRemove(id: id) }
        }
        var services: [any Service] = [
            Maintenance(
                store: store,
                configuration: .init(rescueInterval: .seconds(min(5, max(0.5, workers.lease.seconds / 3))), retention: workers.retention, retry: retry),
                logger: logger),
            WebhookDispatcher(store: store, render: WebhookPayload.data, configuration: webhooks, logger: logger, vault: vault),
            BrowserHousekeeping(
                sessions: browser.sessions, capture: browser.capture,
                closed: forget),
        ]
        if workers.count > 0 {
            // The pool's worker id is the process's id: tasks pinned to this process's sessions are its to claim.
            let configuration = WorkerConfiguration(
                workerID: processID, concurrency: workers.count, leaseDuration: workers.lease, claimBatch: workers.claimBatch, retry: retry)
            services.append(
                WorkerPool(
                    store: store, registry: registry(models: models, browser: browser, store: store, bots: bots), configuration: configuration, logger: logger,
                    secrets: VaultSecretReader(store: store, vault: vault), narration: narration, usage: StoreUsageLedger(store: store)))
        }
        return services
    }

    /// The `logging` area, applied once per process: the level every logger starts at, and text
    /// (swift-log's default) or JSON lines.
    private static let logging = Mutex<LoggingSettings?>(nil)

    static func startLogging(_ settings: LoggingSettings) {
        let first = logging.withLock { current in
            defer { current = settings }
            return current == nil
        }
        guard first, settings.json else { return }
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
    }

    /// One line per setting read from another name than Hangar's (the seeds' `SECURITY_LEVEL`,
    /// AWS's `AWS_REGION`), naming Hangar's.
    static func logAliases(_ settings: Settings, logger: Logger) {
        for (variable, setting) in settings.aliasesRead {
            logger.notice("read \(variable) as \(setting)", metadata: ["variable": .string(variable), "hangar_name": .string(setting)])
        }
    }

    static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logging.withLock { $0?.level } ?? .info
        return logger
    }

    /// Once per process (`serve`, `worker`): swift-metrics reports into Hangar's registry.
    static func bootstrapMetrics() {
        HangarMetrics.bootstrapMetricsSystem()
    }

    /// Once per process, before any HTTP client is made (AsyncHTTPClient takes the tracer it
    /// finds at creation, and then traces provider, webhook and S3 calls): OpenTelemetry traces
    /// when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the OpenTelemetry standard's variables, read
    /// by swift-otel). The returned exporter service goes FIRST in the service list, so it is
    /// shut down last and flushes the other services' final spans.
    static func bootstrapTracing(process: String, logger: Logger) throws -> (any Service)? {
        let environment = ProcessInfo.processInfo.environment
        let host = ProcessInfo.processInfo.hostName
        let service = try Telemetry.bootstrap(
            environment: environment, process: process, instanceID: "\(host):\(ProcessInfo.processInfo.processIdentifier)", logger: logger)
        if service != nil {
            let endpoint = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? ""
            logger.info("exporting OpenTelemetry traces", metadata: ["endpoint": .string(endpoint)])
        }
        return service
    }
}
