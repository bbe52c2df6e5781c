import Foundation
import HangarAgents
import HangarAuth
import HangarBackends
import HangarCore
import HangarRuntime
import HangarServer
import HangarSettings
import HangarSpeech
public import HangarStore
public import Hummingbird
public import Logging
import NIOCore
import ServiceLifecycle

/// `hangar serve`: the HTTP API, the scheduler and a worker pool in one process (the main job).
public enum HangarServe {
    /// Runs until SIGTERM/SIGINT.
    public static func run(settings: Settings) async throws {
        let configuration = try ProcessConfiguration(settings)
        let http = try readHTTP(settings, configuration)
        Runtime.startLogging(configuration.logging)
        let logger = Runtime.logger("hangar")
        Runtime.logAliases(settings, logger: logger)
        Runtime.bootstrapMetrics()
        let tracing = try Runtime.bootstrapTracing(process: "serve", logger: logger)
        let host = http.server.host, port = http.server.port
        // The database last among the settings: a mistake above ends start-up before it is touched.
        let store = try await openStoreAnswering(database: configuration.database, host: host, port: port, logger: logger)
        let app: any ApplicationProtocol
        do {
            if http.auth == Authenticator.Mode.required, let token = try await AdminBootstrap.run(
                store: store, environmentKey: configuration.security.adminKey, dataDir: configuration.database.dataDirectory)
            {
                let keyFile = "\(configuration.database.dataDirectory)/admin.key"
                print("Created the first admin API key (shown once; also saved to \(keyFile), mode 0600):\n\n    \(token)\n")
                // stdout is block-buffered when redirected to a file or a pipe: without a flush the
                // key would sit in the buffer for as long as the server runs.
                fflush(nil)  // every stream, stdout included (naming `stdout` is not concurrency-safe)
                logger.notice("created the first admin API key", metadata: ["key_file": .string(keyFile)])
            }
            app = try await buildApplication(configuration: configuration, http: http, store: store, tracing: tracing, logger: logger)
        } catch {
            try? await store.close()
            throw error
        }
        do {
            try await app.runService()
        } catch {
            try? await store.close()
            throw bindFailure(error, host: host, port: port) ?? error
        }
        try await store.close()
    }

    /// The application `serve` runs, on a store already open: how tests build it the way
    /// production does, from settings (`Settings(areas:values:)`) instead of the environment.
    public static func buildApplication(settings: Settings, store: any HangarStore, logger: Logger) async throws -> some ApplicationProtocol {
        let configuration = try ProcessConfiguration(settings)
        let http = try readHTTP(settings, configuration)
        return try await buildApplication(configuration: configuration, http: http, store: store, tracing: nil, logger: logger)
    }

    /// The `http` and `jwt` areas: what only a process with the API reads.
    private static func readHTTP(_ settings: Settings, _ configuration: ProcessConfiguration) throws -> HTTPSettings {
        var http = try settings.area(HTTPSettings.area.name) {
            try HTTPSettings($0, security: configuration.security.policy, dataDirectory: configuration.database.dataDirectory)
        }
        http.jwt = try settings.area(JWTConfiguration.settings.name) { try JWTConfiguration(config: $0) }
        return http
    }

    private static func buildApplication(
        configuration: ProcessConfiguration, http: HTTPSettings, store: any HangarStore, tracing: (any Service)?, logger: Logger
    ) async throws -> some ApplicationProtocol {
        var server = http.server
        server.tracing = tracing != nil
        server.bots = configuration.bots
        let database = configuration.database
        let authenticator = try await Authenticator(store: store, mode: http.auth, jwt: http.jwt)
        let vault = try Runtime.vault(database: database, secretKey: configuration.security.secretKey, logger: logger)
        let speech = SpeechService(
            configuration: configuration.speech, logger: Runtime.logger("hangar.speech"),
            accepted: { HangarMetrics.shared.ttsAccepted(kind: $0.rawValue) })
        let models = try Runtime.models(providers: configuration.providers, security: configuration.security, logger: logger)
        let workers = configuration.workers.count
        // Only a process with workers keeps browser sessions (its workers run the tasks in them).
        var browser = BrowserSetup.services(configuration: configuration, keepsSessions: workers > 0, logger: logger)
        let processID = WorkerConfiguration.defaultWorkerID()
        var processServices: [any Service] = []
        if database.isShared {
            // Several processes share the database: this one joins the process directory, records
            // the sessions it opens, and forwards requests for sessions other processes hold.
            let (process, sessions) = ProcessSetup.directory(
                id: processID, kind: "serve", store: store, vault: vault, settings: configuration.process, logger: logger)
            browser.directory = sessions
            processServices.append(process)
            if workers > 0 {
                processServices.append(
                    ProcessSetup.internalListener(
                        browser: browser, sessions: sessions, process: process, speech: speech, settings: configuration.process, logger: logger))
            }
        }
        let services =
            (tracing.map { [$0] } ?? [])
            + Runtime.services(
                store: store, workers: configuration.workers, webhooks: configuration.webhooks, vault: vault, models: models, browser: browser,
                bots: configuration.bots, narration: SpeechNarrationProvider(service: speech), processID: processID, logger: logger)
            + [speech] + processServices
        logger.info(
            "starting Hangar",
            metadata: ["database": .string(database.logDescription), "workers": "\(workers)", "address": "\(server.host):\(server.port)"])
        return HangarServer.buildApplication(
            store: store, registry: Runtime.registry(models: models, browser: browser, store: store, bots: configuration.bots), configuration: server, authenticator: authenticator,
            vault: vault, speech: speech, models: models.catalog, services: services, logger: logger, browser: browser)
    }

    /// Opens the store. While start-up waits for a PostgreSQL server that does not answer yet,
    /// the port already answers: `/api/v1/ready` says 503 and why, instead of connection refused.
    static func openStoreAnswering(database: DatabaseSettings, host: String, port: Int, logger: Logger) async throws -> any HangarStore {
        guard database.isShared, port != 0 else {
            return try await database.openStore(maxConnections: 20, logger: logger)
        }
        let status = StartupStatus()
        let responder = startupResponder(host: host, port: port, status: status, logger: logger)
        return try await withThrowingTaskGroup(of: (any HangarStore)?.self) { group in
            group.addTask {
                try await database.openStore(maxConnections: 20, logger: logger, progress: { status.update($0) })
            }
            group.addTask {
                do {
                    try await responder.run()
                } catch {
                    throw bindFailure(error, host: host, port: port) ?? error
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
