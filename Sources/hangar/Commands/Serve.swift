import ArgumentParser
import Foundation
import HangarAgents
import HangarAuth
import HangarBackends
import HangarCore
import HangarRuntime
import HangarStore
import HangarServer
import HangarSpeech
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API, the scheduler and a worker pool in one process (the main job).",
        discussion: """
            With --workers 0 this process serves the API only (then run `hangar worker` processes on the same PostgreSQL \
            database). On first start with authentication on, an admin API key is created, printed once and saved to \
            <data-dir>/admin.key.
            """)

    @Option(name: .long, help: "Address to listen on. Env: HANGAR_HOST. Default: 127.0.0.1")
    var host: String?

    @Option(name: .long, parsing: .unconditional, help: "Port to listen on (0 = any free port). Env: HANGAR_PORT. Default: 8000")
    var port: Int?

    @OptionGroup var storage: StorageOptions
    @OptionGroup var worker: WorkerOptions

    @Option(name: .customLong("max-body-bytes"), parsing: .unconditional, help: "Largest request body accepted (413 beyond). Default: 1048576")
    var maxBodyBytes: Int?

    @Option(name: .long, help: "required (default) or none (local development only: refuses non-loopback addresses). Env: HANGAR_AUTH")
    var auth: String?

    /// `--port`, else `HANGAR_PORT`, else 8000; 0 picks a free port. Checked before anything
    /// starts, naming where the bad value came from.
    func resolvedPort() throws -> Int {
        let (value, source) = try port.map { ($0, "--port") } ?? Environment.int("HANGAR_PORT").map { ($0, "HANGAR_PORT") } ?? (8000, "")
        guard (0...65535).contains(value) else {
            throw StartupError("\(source) must be a TCP port from 1 to 65535 (or 0 for any free port), got \(value)")
        }
        return value
    }

    func validate() throws {
        _ = try resolvedAuthMode(host: host ?? Environment.string("HANGAR_HOST") ?? "127.0.0.1")
        // Checked before anything starts (no database opened, no key created).
        try Runtime.checkLoggingEnvironment()
        _ = try worker.resolvedWorkers()
        _ = try worker.resolvedLease()
        _ = try worker.resolvedRetention()
        if let maxBodyBytes, maxBodyBytes < 1024 { throw ValidationError("--max-body-bytes must be at least 1024, got \(maxBodyBytes)") }
    }

    func resolvedAuthMode(host: String) throws -> Authenticator.Mode {
        let text = auth ?? Environment.string("HANGAR_AUTH") ?? "required"
        guard let mode = Authenticator.Mode(rawValue: text) else {
            throw ValidationError("\(auth == nil ? "HANGAR_AUTH" : "--auth") must be required or none, got '\(text)'")
        }
        if mode == .none, !["127.0.0.1", "localhost", "::1"].contains(host) {
            throw ValidationError("--auth none serves everyone as admin: it only binds a loopback address, not \(host)")
        }
        return mode
    }

    func run() async throws {
        let logger = Runtime.logger("hangar")
        let address = (host: host ?? Environment.string("HANGAR_HOST") ?? "127.0.0.1", port: try resolvedPort())
        Runtime.bootstrapMetrics()
        let tracing = try Runtime.bootstrapTracing(process: "serve", logger: logger)
        var configuration = ServerConfiguration(
            host: address.host, port: address.port,
            maxBodyBytes: maxBodyBytes ?? (1 << 20), rateLimits: try rateLimitsFromEnvironment(), security: try securityPolicyFromEnvironment(),
            chatDefaultModel: Environment.string("HANGAR_CHAT_DEFAULT_MODEL") ?? "mock/echo", webSockets: try webSocketLimitsFromEnvironment())
        configuration.metricsPublic = try Environment.bool("HANGAR_METRICS_PUBLIC") ?? false
        configuration.logRequests = try Environment.bool("HANGAR_LOG_REQUESTS") ?? false
        configuration.dataDirectory = storage.resolvedDataDir
        configuration.eventStreams = try eventStreamLimitsFromEnvironment()
        configuration.connections = try connectionLimitsFromEnvironment()
        configuration.trustedProxies = try trustedProxiesFromEnvironment()
        configuration.tracing = tracing != nil
        let mode = try resolvedAuthMode(host: configuration.host)
        let jwt = try JWTConfiguration.fromEnvironment()
        let speechConfiguration = try SpeechConfiguration.fromEnvironment(dataDirectory: storage.resolvedDataDir)
        // The database last among the settings: a mistake above ends start-up before it is touched.
        let store = try await openStoreAnswering(host: address.host, port: address.port, logger: logger)
        if mode == .required,
            let token = try await AdminBootstrap.run(
                store: store, environmentKey: Environment.string("HANGAR_ADMIN_KEY"), dataDir: storage.resolvedDataDir)
        {
            let keyFile = "\(storage.resolvedDataDir)/admin.key"
            print("Created the first admin API key (shown once; also saved to \(keyFile), mode 0600):\n\n    \(token)\n")
            // stdout is block-buffered when redirected to a file or a pipe: without a flush the
            // key would sit in the buffer for as long as the server runs.
            fflush(nil)  // every stream, stdout included (naming `stdout` is not concurrency-safe)
            logger.notice("created the first admin API key", metadata: ["key_file": .string(keyFile)])
        }
        let authenticator = try await Authenticator(store: store, mode: mode, jwt: jwt)
        let vault = try Runtime.vault(storage: storage, logger: logger)
        let speech = SpeechService(configuration: speechConfiguration, logger: Runtime.logger("hangar.speech"))
        let models = try Runtime.models(logger: logger)
        let workers = try worker.resolvedWorkers()
        // Only a process with workers keeps browser sessions (its workers run the tasks in them).
        var browser = try BrowserSetup.services(dataDirectory: storage.resolvedDataDir, keepsSessions: workers > 0, logger: logger)
        let processID = WorkerConfiguration.defaultWorkerID()
        var processServices: [any Service] = []
        if StoreFactory.isShared(storage.databaseURL) {
            // Several processes share the database: this one joins the process directory, records
            // the sessions it opens, and forwards requests for sessions other processes hold.
            let (process, sessions) = try ProcessSetup.directory(id: processID, kind: "serve", store: store, vault: vault, logger: logger)
            browser.directory = sessions
            processServices.append(process)
            if workers > 0 {
                processServices.append(
                    try ProcessSetup.internalListener(browser: browser, sessions: sessions, process: process, speech: speech, logger: logger))
            }
        }
        let services =
            try (tracing.map { [$0] } ?? [])
            + Runtime.services(
                store: store, options: worker, vault: vault, models: models, browser: browser, narration: SpeechNarrationProvider(service: speech),
                processID: processID, logger: logger)
            + [speech] + processServices
        logger.info(
            "starting Hangar",
            metadata: [
                "database": .string(storage.databaseURL.map(redact) ?? "sqlite:\(storage.resolvedDataDir)/hangar.sqlite"),
                "workers": "\(workers)", "address": "\(configuration.host):\(configuration.port)",
            ])
        let app = buildApplication(
            store: store, registry: Runtime.registry(models: models, browser: browser), configuration: configuration, authenticator: authenticator, vault: vault,
            speech: speech, models: models.catalog, services: services,
            logger: logger, browser: browser)
        do {
            try await app.runService()
        } catch {
            try? await store.close()
            throw Self.bindFailure(error, host: configuration.host, port: configuration.port) ?? error
        }
        try await store.close()
    }

    /// Opens the store. While start-up waits for a PostgreSQL server that does not answer yet,
    /// the port already answers: `/api/v1/ready` says 503 and why, instead of connection refused.
    func openStoreAnswering(host: String, port: Int, logger: Logger) async throws -> any HangarStore {
        let storage = self.storage
        guard StoreFactory.isShared(storage.databaseURL), port != 0 else {
            return try await storage.openStore(maxConnections: 20, logger: logger)
        }
        let status = StartupStatus()
        let responder = startupResponder(host: host, port: port, status: status, logger: logger)
        return try await withThrowingTaskGroup(of: (any HangarStore)?.self) { group in
            group.addTask {
                try await storage.openStore(maxConnections: 20, logger: logger, progress: { status.update($0) })
            }
            group.addTask {
                do {
                    try await responder.run()
                } catch {
                    throw Self.bindFailure(error, host: host, port: port) ?? error
                }
                return nil
            }
            do {
                while let next = try await group.next() {
                    guard let store = next else { continue }
                    await responder.triggerGracefulShutdown()  // frees the port for the real server
                    try? await group.waitForAll()
                    return store
                }
            } catch {
                // Let the responder close its port gracefully (cancelled, it logs errors).
                await responder.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
            throw StartupError("start-up ended before the database was opened")
        }
    }

    /// A port that cannot be bound, in words that name the address and the flags that change it.
    static func bindFailure(_ error: any Error, host: String, port: Int) -> StartupError? {
        if String(reflecting: type(of: error)).contains("SocketAddressError") {
            return StartupError("cannot listen on \(host):\(port): '\(host)' is not an address or host name of this machine (--host / HANGAR_HOST)")
        }
        guard let error = error as? IOError, [EADDRINUSE, EACCES, EADDRNOTAVAIL].contains(error.errnoCode) else { return nil }
        let reason = error.errnoCode == EADDRINUSE ? "is in use by another process" : error.errnoCode == EACCES ? "needs privileges" : "is not an address of this machine"
        return StartupError(
            "cannot listen on \(host):\(port): it \(reason). Choose another with --port / HANGAR_PORT "
                + "or --host / HANGAR_HOST (--port 0 picks a free port)")
    }
}

/// Hides the password of a database URL in logs.
func redact(_ url: String) -> String {
    guard var components = URLComponents(string: url), components.password != nil else { return url }
    components.password = "***"
    return components.string ?? url
}
