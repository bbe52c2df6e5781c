import Crypto
import Foundation
import HangarCore
public import HangarSpeech
public import Hummingbird
public import Logging
import NIOCore

/// The listener a process that hosts browser sessions (and speaks narrations) opens for the other processes of its
/// deployment: the session routes and narration audio streams under `/internal/v1`, answered from this process only, for
/// requests carrying the deployment's internal key (derived from `HANGAR_SECRET_KEY`) and the
/// tenant the API replica authenticated. Bind it to an address only the deployment reaches.
///
/// `onBound` gets the URL to advertise (`advertise`, else `http://host:port` with the port
/// actually bound, so port 0 works).
public func buildInternalApplication(
    browser: BrowserServices, directory: SessionDirectory, configuration: ServerConfiguration, host: String, port: Int, advertise: String?,
    speech: SpeechService? = nil, logger: Logger, onBound: @escaping @Sendable (String) async -> Void
) -> some ApplicationProtocol {
    let router = Router(context: HangarRequestContext.self)
    router.add(middleware: ErrorMiddleware(storage: nil))
    router.add(middleware: InternalKeyMiddleware(key: directory.internalKey))
    SessionController(sessions: browser.sessions, directory: directory, policy: browser.policy, configuration: configuration, forwards: false)
        .addRoutes(to: router, prefix: "/internal/v1")
    // The live audio of narrations this process speaks, for replicas serving a task's narration.
    if let speech { SpeechController(service: speech, configuration: configuration).addStreamRoutes(to: router, prefix: "/internal/v1") }
    return Application(
        router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Hangar-internal"),
        onServerRunning: { channel in
            let bound = channel.localAddress?.port ?? port
            await onBound(advertise ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(bound)")
        },
        logger: logger)
}

/// Lets through only requests with the internal key, in the tenant they name.
struct InternalKeyMiddleware: RouterMiddleware {
    typealias Context = HangarRequestContext
    let key: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Compared as digests: no early exit that times how much of the key matched.
        let sent = request.headers[SessionDirectory.keyHeader] ?? ""
        guard SHA256.hash(data: Data(sent.utf8)) == SHA256.hash(data: Data(key.utf8)) else {
            throw APIError(.unauthorized, "the internal listener needs the deployment's internal key (X-Hangar-Internal-Key)")
        }
        guard let tenant = request.headers[SessionDirectory.tenantHeader], !tenant.isEmpty else {
            throw APIError(.badRequest, "X-Hangar-Tenant is required")
        }
        var context = context
        context.tenantID = tenant
        return try await next(request, context)
    }
}
