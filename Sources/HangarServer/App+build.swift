public import HangarAgents
import HangarBlobs
public import HangarAuth
import HangarCore
public import HangarRuntime
public import HangarSpeech
public import HangarStore
public import Hummingbird
public import HummingbirdWebSocket
public import Logging
public import ServiceLifecycle

/// The router with every route Hangar serves. Tests drive it directly; `buildApplication`
/// wraps it in a server.
public func buildRouter(
    store: any HangarStore, registry: ExecutorRegistry, configuration: ServerConfiguration, authenticator: Authenticator,
    vault: SecretBox, speech: SpeechService? = nil, models: ModelCatalog = ModelCatalog(), metrics: HangarMetrics = .shared,
    browser: BrowserServices? = nil
) -> Router<HangarRequestContext> {
    let router = Router(context: HangarRequestContext.self)
    // Outermost, so the span's status is the one the client got (after ErrorMiddleware).
    if configuration.tracing {
        router.add(middleware: TracingMiddleware(redactingQueryParameters: ["token", "api_key"]))
    }
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: ClientAddressMiddleware(trusted: configuration.trustedProxies))
    router.add(middleware: RequestObservationMiddleware(metrics: metrics, logRequests: configuration.logRequests))
    let storage = StorageFaults(store: store, metrics: metrics)
    router.add(middleware: ErrorMiddleware(storage: storage))
    router.add(middleware: MethodNotAllowedMiddleware())
    let incidents = IncidentRecorder(store: store)
    router.add(middleware: AuthMiddleware(authenticator: authenticator, incidents: incidents, publicMetrics: configuration.metricsPublic))
    router.add(middleware: IncidentMiddleware(recorder: incidents))
    if let perMinute = configuration.rateLimits.requestsPerMinute {
        router.add(middleware: RequestRateMiddleware(store: store, perMinute: perMinute))
    }
    SystemController(store: store, storage: storage, blobs: browser?.blobs as? FaultRecordingBlobStore).addRoutes(to: router)
    MetricsController(store: store, metrics: metrics).addRoutes(to: router)
    SystemMetricsController(dataDirectory: configuration.dataDirectory).addRoutes(to: router)
    AccessController(store: store, authenticator: authenticator, configuration: configuration).addRoutes(to: router)
    let bots = BotDeployments(store: store, vault: vault, configuration: configuration.bots, metrics: metrics)
    AgentController(store: store, registry: registry, configuration: configuration, vault: vault, models: models, metrics: metrics, bots: bots)
        .addRoutes(to: router)
    BotController(store: store, configuration: configuration, vault: vault, models: models, deployments: bots).addRoutes(to: router)
    UsageController(store: store).addRoutes(to: router)
    SecretsController(store: store, vault: vault, configuration: configuration).addRoutes(to: router)
    QuotaController(store: store, configuration: configuration).addRoutes(to: router)
    SecurityController(store: store, configuration: configuration, incidents: incidents).addRoutes(to: router)
    TaskController(store: store, registry: registry, configuration: configuration, models: models, sessions: browser?.directory).addRoutes(to: router)
    // Both SSE routes draw on one count of open streams.
    let streams = EventStreams(limits: configuration.eventStreams, metrics: metrics)
    TaskEventsController(store: store, configuration: configuration, streams: streams).addRoutes(to: router)
    LogsController(store: store, configuration: configuration, streams: streams).addRoutes(to: router)
    WebhookController(store: store, configuration: configuration, vault: vault).addRoutes(to: router)
    WorkflowController(store: store, configuration: configuration).addRoutes(to: router)
    ChatController(store: store, models: models, configuration: configuration).addRoutes(to: router)
    let speechController = speech.map { SpeechController(service: $0, configuration: configuration) }
    speechController?.addRoutes(to: router)
    if speechController != nil || browser?.directory != nil {
        NarrationController(store: store, speech: speechController, directory: browser?.directory).addRoutes(to: router)
    }
    ModelController(models: models, defaultChatModel: configuration.chatDefaultModel).addRoutes(to: router)
    browser?.addRoutes(to: router, store: store, configuration: configuration)
    return router
}

/// The WebSocket routes (`/ws/…`), consulted only for upgrade requests, with a context of their
/// own so that ordinary requests carry no WebSocket state. Each route authenticates its own
/// `?token=`, so that a bad one closes the socket with 1008 instead of failing the upgrade.
/// The live endpoints share one count of open connections.
public func buildWebSocketRouter(
    store: any HangarStore, authenticator: Authenticator, speech: SpeechService?, configuration: ServerConfiguration = ServerConfiguration(),
    metrics: HangarMetrics = .shared
) -> Router<BasicWebSocketRequestContext> {
    let router = Router(context: BasicWebSocketRequestContext.self)
    let sockets = SocketRegistry(limits: configuration.webSockets, metrics: metrics)
    let hub = TaskEventHub(store: store, metrics: metrics)
    TaskSocketController(store: store, authenticator: authenticator, registry: sockets, hub: hub).addRoutes(to: router)
    LogSocketController(store: store, authenticator: authenticator, registry: sockets).addRoutes(to: router)
    if let speech { SpeechSocketController(service: speech, authenticator: authenticator).addRoutes(to: router) }
    return router
}

/// The HTTP server plus whatever else runs in this process (workers, maintenance), all
/// shut down together on SIGTERM/SIGINT.
public func buildApplication(
    store: any HangarStore, registry: ExecutorRegistry, configuration: ServerConfiguration, authenticator: Authenticator,
    vault: SecretBox, speech: SpeechService? = nil, models: ModelCatalog = ModelCatalog(), services: [any Service] = [], logger: Logger,
    metrics: HangarMetrics = .shared, browser: BrowserServices? = nil
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(
            store: store, registry: registry, configuration: configuration, authenticator: authenticator, vault: vault, speech: speech,
            models: models, metrics: metrics, browser: browser),
        server: .hangar(
            webSocketRouter: buildWebSocketRouter(
                store: store, authenticator: authenticator, speech: speech, configuration: configuration, metrics: metrics),
            limits: configuration.connections),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Hangar"),
        services: services,
        logger: logger)
}

/// A listener serving only `GET /metrics` (no credential), for `hangar worker`, which has no API.
public func buildMetricsApplication(
    store: any HangarStore, host: String, port: Int, logger: Logger, metrics: HangarMetrics = .shared
) -> some ApplicationProtocol {
    let router = Router(context: HangarRequestContext.self)
    let controller = MetricsController(store: store, metrics: metrics)
    router.get("/metrics", use: controller.scrape)
    return Application(
        router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Hangar"), logger: logger)
}
