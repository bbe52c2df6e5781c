import HangarRuntime
import HangarStore
import Hummingbird
import Logging
import NIOCore

/// `GET /metrics` and `GET /api/v1/metrics`: the Prometheus text exposition (format 0.0.4).
/// Queue depth and running tasks are read from the store at each scrape (one `taskCounts`
/// query, all tenants), never per request.
struct MetricsController {
    let store: any TaskStore
    let metrics: HangarMetrics

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.get("/metrics", use: scrape)
        router.get("/api/v1/metrics", use: scrape)
    }

    @Sendable func scrape(_ request: Request, context: HangarRequestContext) async throws -> Response {
        do {
            let counts = try await withTimeout(.seconds(3)) { try await store.taskCounts(tenantID: nil) }
            metrics.updateQueue(counts)
        } catch {
            // The scrape still answers: the gauges keep their last values.
            context.logger.warning("queue depth not refreshed for /metrics", metadata: ["error": "\(error)"])
        }
        return Response(
            status: .ok, headers: [.contentType: HangarMetrics.contentType],
            body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
    }
}
