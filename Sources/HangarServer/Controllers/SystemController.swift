import Foundation
import HangarBlobs
import HangarCore
import HangarStore
import HangarTimers
import Hummingbird

/// Health, readiness, queue statistics, and the API document with its viewer.
struct SystemController {
    let store: any StoreLifecycle & TaskStore
    var storage: StorageFaults?
    /// The blob store's fault episode, when this process keeps blobs.
    var blobs: FaultRecordingBlobStore?

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.get("/", use: root)
        router.get("/api/v1/health", use: health)
        router.get("/health", use: health)  // seed 000's liveness probe
        router.get("/api/v1/ready", use: ready)
        router.get("/api/v1/queue/stats", use: queueStats)
        router.get("/openapi.json", use: openAPI)
        router.get("/docs", use: docs)
        router.get("/redoc", use: docs)  // seed 004's reference page: the same offline viewer
    }

    @Sendable func root(_ request: Request, context: HangarRequestContext) async throws -> Response {
        JSONResponse.make(["app_name": "Hangar", "version": .string(HangarVersion.current), "docs": "/docs", "openapi": "/openapi.json"])
    }

    /// The process is up (seed 004's shape). Says nothing about the database: see `/ready`.
    @Sendable func health(_ request: Request, context: HangarRequestContext) async throws -> Response {
        JSONResponse.make([
            "status": "healthy", "app_name": "Hangar", "version": .string(HangarVersion.current),
            "timestamp": .string(Timestamp.format(Date())),
        ])
    }

    /// 200 once the database answers, 503 while it does not (for load balancers and probes).
    @Sendable func ready(_ request: Request, context: HangarRequestContext) async throws -> Response {
        // While a storage fault lasts, ready means "a write works again", not "the file opens".
        if let fault = await storage?.recheck() {
            throw APIError(.serviceUnavailable, "storage fault (\(fault.kind.rawValue)): \(fault.detail)", headers: [.retryAfter: String(fault.retryAfterSeconds)])
        }
        do {
            try await withTimeout(.seconds(3)) { try await store.ping() }
            // A blob store fault degrades but does not unready: tasks and the API go on, and every
            // replica shares the blob store, so pulling them from a load balancer would be an outage.
            guard let blobs else { return JSONResponse.make(["status": "ready", "database": "ok", "blobs": "none"]) }
            guard let fault = blobs.current else { return JSONResponse.make(["status": "ready", "database": "ok", "blobs": "ok"]) }
            return JSONResponse.make(["status": "degraded", "database": "ok", "blobs": .string("\(fault.kind.rawValue): \(fault.detail)")])
        } catch HangarError.unavailable(let reason) {
            throw APIError(.serviceUnavailable, "database unavailable: \(reason)")
        } catch is TimeoutError {
            throw APIError(.serviceUnavailable, "database unavailable: it did not answer within 3 s")
        } catch {
            throw APIError(.serviceUnavailable, "database unavailable")
        }
    }

    @Sendable func queueStats(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let counts = try await store.taskCounts(tenantID: context.tenantID)
        var byStatus: [String: JSONValue] = [:]
        for status in TaskStatus.allCases { byStatus[status.rawValue] = .int(Int64(counts.byStatus[status] ?? 0)) }
        var byPriority: [String: JSONValue] = [:]
        for (priority, count) in counts.queuedByPriority { byPriority[String(priority)] = .int(Int64(count)) }
        return JSONResponse.make(["tasks_by_status": .object(byStatus), "queued_by_priority": .object(byPriority)])
    }

    @Sendable func openAPI(_ request: Request, context: HangarRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try APIDocument.openAPI())))
    }

    @Sendable func docs(_ request: Request, context: HangarRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: try APIDocument.viewer())))
    }
}

/// The API document and its viewer ship as resources of this module.
///
/// `openapi.json` is the one source of the API contract: served as it is here, and the input
/// of `scripts/generate-openapi`, which writes the `HangarAPI` module from it.
public enum APIDocument {
    private static let document: Result<Data, any Error> = Result { try resource("openapi", "json") }

    public static func openAPI() throws -> Data { try document.get() }
    static func viewer() throws -> Data { try resource("docs", "html") }

    private static func resource(_ name: String, _ ext: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Resources") ?? Bundle.module.url(forResource: name, withExtension: ext) else {
            throw APIError(.internalServerError, "\(name).\(ext) is missing from the build")
        }
        return try Data(contentsOf: url)
    }
}

struct TimeoutError: Error {}

func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Timers.sleep(for: timeout)
            throw TimeoutError()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
