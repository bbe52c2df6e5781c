import HangarCore
import Hummingbird

/// Seed 004's host metrics: `GET /api/v1/system/metrics` (everything) and one route per
/// section, plus `GET /api/v1/system/info`. See `SystemSampler` for how rates are measured.
struct SystemMetricsController {
    let system: SystemMetrics

    init(dataDirectory: String) {
        system = SystemMetrics(sampler: SystemSampler(), dataDirectory: dataDirectory)
    }

    func addRoutes(to router: Router<HangarRequestContext>) {
        let system = self.system
        router.get("/api/v1/system/metrics") { _, _ in JSONResponse.make(await system.all()) }
        router.get("/api/v1/system/metrics/cpu") { _, _ in JSONResponse.make(await system.cpu()) }
        router.get("/api/v1/system/metrics/memory") { _, _ in JSONResponse.make(system.memory()) }
        router.get("/api/v1/system/metrics/disk") { _, _ in JSONResponse.make(await system.disk()) }
        router.get("/api/v1/system/metrics/network") { _, _ in JSONResponse.make(await system.network()) }
        // Seed 004's client iterates the answer (`gpus.forEach`): the bare array is the default,
        // Hangar's object with availability and the reason is `?status=true`.
        router.get("/api/v1/system/metrics/gpu") { request, _ in
            let gpu = SystemMetrics.gpu()
            guard request.uri.queryParameters.get("status") == "true" else { return JSONResponse.make(.array(gpu.gpus)) }
            var body: [String: JSONValue] = ["available": .bool(gpu.available), "gpus": .array(gpu.gpus)]
            if let detail = gpu.detail { body["detail"] = .string(detail) }
            return JSONResponse.make(.object(body))
        }
        router.get("/api/v1/system/metrics/load") { _, _ in JSONResponse.make(system.load()) }
        router.get("/api/v1/system/metrics/swap") { _, _ in JSONResponse.make(system.swap()) }
        router.get("/api/v1/system/info") { _, _ in JSONResponse.make(system.info()) }
    }
}
