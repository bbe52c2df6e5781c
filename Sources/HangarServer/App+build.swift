public import HangarAgents
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
    vault: SecretBox, speech: SpeechService? = nil, models: ModelCatalog = ModelCatalog()
) -> Router<HangarRequestContext> {
    let router = Router(context: HangarRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: ErrorMiddleware())
    let incidents = IncidentRecorder(store: store)
    router.add(middleware: AuthMiddleware(authenticator: authenticator, incidents: incidents))
    router.add(middleware: IncidentMiddleware(recorder: incidents))
    if let perMinute = configuration.rateLimits.requestsPerMinute {
        router.add(middleware: RequestRateMiddleware(store: store, perMinute: perMinute))
    }
    SystemController(store: store).addRoutes(to: router)
    AccessController(store: store, authenticator: authenticator, configuration: configuration).addRoutes(to: router)
    AgentController(store: store, registry: registry, configuration: configuration, vault: vault, models: models).addRoutes(to: router)
    UsageController(store: store).addRoutes(to: router)
    SecretsController(store: store, vault: vault, configuration: configuration).addRoutes(to: router)
    QuotaController(store: store, configuration: configuration).addRoutes(to: router)
    SecurityController(store: store, configuration: configuration, incidents: incidents).addRoutes(to: router)
    TaskController(store: store, registry: registry, configuration: configuration).addRoutes(to: router)
    TaskEventsController(store: store, configuration: configuration).addRoutes(to: router)
    WebhookController(store: store, configuration: configuration).addRoutes(to: router)
    ChatController(store: store, models: models, configuration: configuration).addRoutes(to: router)
    if let speech { SpeechController(service: speech, configuration: configuration).addRoutes(to: router) }
    ModelController(models: models).addRoutes(to: router)
    return router
}

/// The WebSocket routes (`/ws/…`), consulted only for upgrade requests, with a context of their
/// own so that ordinary requests carry no WebSocket state. Each route authenticates its own
/// `?token=`, so that a bad one closes the socket with 1008 instead of failing the upgrade.
public func buildWebSocketRouter(authenticator: Authenticator, speech: SpeechService?) -> Router<BasicWebSocketRequestContext> {
    let router = Router(context: BasicWebSocketRequestContext.self)
    if let speech { SpeechSocketController(service: speech, authenticator: authenticator).addRoutes(to: router) }
    return router
}

/// The HTTP server plus whatever else runs in this process (workers, maintenance), all
/// shut down together on SIGTERM/SIGINT.
public func buildApplication(
    store: any HangarStore, registry: ExecutorRegistry, configuration: ServerConfiguration, authenticator: Authenticator,
    vault: SecretBox, speech: SpeechService? = nil, models: ModelCatalog = ModelCatalog(), services: [any Service] = [], logger: Logger
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(
            store: store, registry: registry, configuration: configuration, authenticator: authenticator, vault: vault, speech: speech,
            models: models),
        server: .http1WebSocketUpgrade(webSocketRouter: buildWebSocketRouter(authenticator: authenticator, speech: speech)),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Hangar"),
        services: services,
        logger: logger)
}
