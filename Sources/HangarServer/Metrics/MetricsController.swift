import HangarCore
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
    /// GPU utilisation by index (`nvidia-smi`; none without it), read at each scrape.
    var gpus: @Sendable () -> [(index: String, percent: Double)] = MetricsController.nvidiaGPUs

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
        metrics.gpuUtilization(gpus())
        return Response(
            status: .ok, headers: [.contentType: HangarMetrics.contentType],
            body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
    }
}

extension MetricsController {
    /// Without `nvidia-smi` on PATH: no GPUs, and no process is started (`SystemMetrics.gpu`).
    static let nvidiaGPUs: @Sendable () -> [(index: String, percent: Double)] = {
        SystemMetrics.gpu().gpus.compactMap { gpu in
            guard let index = gpu["index"]?.intValue, let percent = gpu["utilization"]?["gpu_percent"]?.doubleValue else { return nil }
            return (String(index), percent)
        }
    }
}
