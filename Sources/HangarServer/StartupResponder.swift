import Foundation
import HangarCore
import Hummingbird
public import Logging
public import ServiceLifecycle
import NIOCore
import Synchronization

/// What start-up is waiting for, told to whoever asks the port meanwhile.
public final class StartupStatus: Sendable {
    private let reason = Mutex<String>("starting")

    public init() {}

    public var current: String { reason.withLock { $0 } }

    public func update(_ text: String) { reason.withLock { $0 = text } }
}

/// While start-up waits for the database, the port already answers instead of refusing
/// connections: `/api/v1/health` says the process lives (so a liveness probe does not restart
/// it), `/api/v1/ready` and every other route answer 503 with the reason and `Retry-After`.
/// Run the returned group; `triggerGracefulShutdown()` frees the port for the real server.
public func startupResponder(host: String, port: Int, status: StartupStatus, logger: Logger) -> ServiceGroup {
    let responder = CallbackResponder<BasicRequestContext> { request, _ in
        if request.method == .get, request.uri.path == "/api/v1/health" {
            return JSONResponse.make([
                "status": "starting", "app_name": "Hangar", "version": .string(HangarVersion.current),
                "detail": .string(status.current), "timestamp": .string(Timestamp.format(Date())),
            ])
        }
        let body: JSONValue = [
            "detail": .string("Hangar is starting: \(status.current)"), "status_code": 503, "status": "starting",
        ]
        return Response(
            status: .serviceUnavailable, headers: [.contentType: "application/json", .retryAfter: "2"],
            body: .init(byteBuffer: ByteBuffer(string: JSONText.encode(body))))
    }
    var quiet = logger
    quiet.logLevel = max(logger.logLevel, .warning)  // the real server announces the address
    let app = Application(
        responder: responder, configuration: .init(address: .hostname(host, port: port), serverName: "Hangar"), logger: quiet)
    return ServiceGroup(configuration: .init(services: [app], logger: quiet))
}
