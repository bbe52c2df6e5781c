import Foundation
import HangarCore
import AsyncHTTPClient
import HangarAgents
import HangarServer
import HangarAuth
import HangarBackends
import HangarBrowser
import HangarRuntime
import HangarStore
import HangarTelemetry
import Logging
import ServiceLifecycle

/// The agent kinds this build runs, and the background services of a process.
enum Runtime {
    static func registry(models: ModelSetup, browser: BrowserServices) -> ExecutorRegistry {
        ExecutorRegistry([
            "llm": LLMExecutor(catalog: models.catalog, tools: models.tools),
            BrowserExecutor.kind: BrowserSetup.executor(catalog: models.catalog, services: browser),
        ])
    }

    /// Model providers and prices from the environment, and what tools may reach.
    struct ModelSetup: Sendable {
        var catalog: ModelCatalog
        var tools: ToolEnvironment
    }

    /// Providers' and tools' HTTP clients (see `ProviderConfiguration.makeHTTPClient`), for the
    /// life of the process.
    private static let providerClient = ProviderConfiguration.makeHTTPClient()

    static func models(logger: Logger) throws -> ModelSetup {
        let environment = ProcessInfo.processInfo.environment
        let catalog = try ProviderConfiguration.catalog(environment: environment, client: providerClient, logger: logger)
        let policy = try securityPolicyFromEnvironment()
        var commands: Set<String>? = []
        if let list = Environment.string("HANGAR_MCP_COMMANDS") {
            let names = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            commands = names == ["*"] ? nil : names
        }
        let tools = ToolEnvironment(
            network: policy.network, mcpCommands: commands,
            stepTimeout: .seconds(fractional: policy.stepTimeoutSeconds))
        return ModelSetup(catalog: catalog, tools: tools)
    }

    /// The master key for agent secrets: `HANGAR_SECRET_KEY`, else `<data-dir>/secret.key`.
    /// Processes sharing a PostgreSQL database must share the key, so say so when a
    /// process falls back to a local file there.
    static func vault(storage: some DatabaseOptions, logger: Logger) throws -> SecretBox {
        let environmentKey = Environment.string("HANGAR_SECRET_KEY")
        if environmentKey == nil, StoreFactory.isShared(storage.databaseURL) {
            logger.warning("HANGAR_SECRET_KEY is not set: secrets use the key in \(storage.resolvedDataDir)/secret.key; every process sharing this database needs the same key")
        }
        return try SecretBox.load(environmentKey: environmentKey, dataDir: storage.resolvedDataDir)
    }

    /// `narration`: how tasks with `options.enable_tts` are spoken (only `serve`, which has the
    /// speech service and the routes listeners use).
    static func services(
        store: any HangarStore, options: WorkerOptions, vault: SecretBox, models: ModelSetup, browser: BrowserServices,
        narration: (any NarrationProvider)? = nil, processID: String = WorkerConfiguration.defaultWorkerID(), logger: Logger
    ) throws -> [any Service] {
        let retry = Backoff.taskRetries
        var services: [any Service] = [
            Maintenance(
                store: store, configuration: .init(rescueInterval: .seconds(min(5, max(0.5, try options.resolvedLease().seconds / 3))),
                    retention: try options.resolvedRetention(), retry: retry), logger: logger)
        ]
        services.append(
            WebhookDispatcher(store: store, configuration: try webhookConfiguration(), logger: logger, vault: vault))
        services.append(BrowserHousekeeping(browser))
        let workers = try options.resolvedWorkers()
        if workers > 0 {
            // The pool's worker id is the process's id: tasks pinned to this process's sessions are its to claim.
            let configuration = WorkerConfiguration(
                workerID: processID, concurrency: workers, leaseDuration: try options.resolvedLease(), claimBatch: options.claimBatch ?? 32, retry: retry)
            services.append(
                WorkerPool(
                    store: store, registry: registry(models: models, browser: browser), configuration: configuration, logger: logger,
                    secrets: VaultSecretReader(store: store, vault: vault), narration: narration, usage: StoreUsageLedger(store: store)))
        }
        return services
    }

    /// Log lines as text (swift-log's default) or, with `HANGAR_LOG_FORMAT=json`, as JSON lines.
    private static let loggingBootstrapped: Void = {
        if Environment.string("HANGAR_LOG_FORMAT")?.lowercased() == "json" {
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        }
    }()

    /// Once per process (`serve`, `worker`): swift-metrics reports into Hangar's registry.
    static func bootstrapMetrics() {
        HangarMetrics.bootstrapMetricsSystem()
    }

    /// Once per process, before any HTTP client is made (AsyncHTTPClient takes the tracer it
    /// finds at creation, and then traces provider, webhook and S3 calls): OpenTelemetry traces
    /// when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. The returned exporter service goes FIRST in
    /// the service list, so it is shut down last and flushes the other services' final spans.
    static func bootstrapTracing(process: String, logger: Logger) throws -> (any Service)? {
        let host = ProcessInfo.processInfo.hostName
        let service = try Telemetry.bootstrap(
            environment: ProcessInfo.processInfo.environment, process: process,
            instanceID: "\(host):\(ProcessInfo.processInfo.processIdentifier)", logger: logger)
        if service != nil {
            logger.info("exporting OpenTelemetry traces", metadata: ["endpoint": .string(Environment.string("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") ?? Environment.string("OTEL_EXPORTER_OTLP_ENDPOINT") ?? "")])
        }
        return service
    }

    /// `HANGAR_WEBHOOK_RETRY_PERIOD` (default 24h), `HANGAR_WEBHOOK_SECRET` (signs `callback_url`
    /// deliveries), `HANGAR_WEBHOOK_RETRY_SCHEDULE` (comma-separated delays, e.g. `5s,30s,2m`),
    /// `HANGAR_WEBHOOK_TIMEOUT` (per attempt, default 10s); private targets follow
    /// `HANGAR_ALLOW_PRIVATE_NETWORKS`.
    static func webhookConfiguration() throws -> WebhookDispatcher.Configuration {
        var configuration = WebhookDispatcher.Configuration(
            allowPrivateNetworks: try securityPolicyFromEnvironment().network.allowPrivateNetworks,
            callbackSecret: Environment.string("HANGAR_WEBHOOK_SECRET"))
        if let period = Environment.string("HANGAR_WEBHOOK_RETRY_PERIOD") {
            configuration.retryPeriod = try parseDuration(period, name: "HANGAR_WEBHOOK_RETRY_PERIOD")
        }
        if let timeout = Environment.string("HANGAR_WEBHOOK_TIMEOUT") {
            configuration.timeout = try parseDuration(timeout, name: "HANGAR_WEBHOOK_TIMEOUT")
        }
        if let schedule = Environment.string("HANGAR_WEBHOOK_RETRY_SCHEDULE") {
            let delays = try schedule.split(separator: ",").map {
                try parseDuration($0.trimmingCharacters(in: .whitespaces), name: "HANGAR_WEBHOOK_RETRY_SCHEDULE")
            }
            guard !delays.isEmpty else {
                throw HangarError.invalid(field: "HANGAR_WEBHOOK_RETRY_SCHEDULE", message: "must list at least one delay")
            }
            configuration.schedule = delays
            configuration.pollInterval = min(configuration.pollInterval, delays.min() ?? configuration.pollInterval)
        }
        return configuration
    }

    static func logger(_ label: String) -> Logger {
        _ = loggingBootstrapped
        var logger = Logger(label: label)
        logger.logLevel = Environment.string("HANGAR_LOG_LEVEL").flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        return logger
    }

    /// `HANGAR_LOG_LEVEL` and `HANGAR_LOG_FORMAT`, checked before anything starts: a typo would
    /// otherwise fall back to the default without a word.
    static func checkLoggingEnvironment() throws {
        if let level = Environment.string("HANGAR_LOG_LEVEL"), Logger.Level(rawValue: level.lowercased()) == nil {
            throw StartupError("HANGAR_LOG_LEVEL must be trace, debug, info, notice, warning, error or critical, got '\(level)'")
        }
        if let format = Environment.string("HANGAR_LOG_FORMAT"), !["text", "json"].contains(format.lowercased()) {
            throw StartupError("HANGAR_LOG_FORMAT must be text or json, got '\(format)'")
        }
    }
}
