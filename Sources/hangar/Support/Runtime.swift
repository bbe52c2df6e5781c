import Foundation
import HangarCore
import HangarAgents
import HangarRuntime
import HangarStore
import Logging
import ServiceLifecycle

/// The agent kinds this build runs, and the background services of a process.
enum Runtime {
    static func registry() -> ExecutorRegistry {
        ExecutorRegistry(["llm": LLMExecutor(providers: ProviderRegistry())])
    }

    static func services(store: any HangarStore, options: WorkerOptions, logger: Logger) throws -> [any Service] {
        let retry = RetryPolicy()
        var services: [any Service] = [
            Maintenance(
                store: store, configuration: .init(rescueInterval: .seconds(min(5, max(0.5, try options.resolvedLease().seconds / 3))),
                    retention: try options.resolvedRetention(), retry: retry), logger: logger)
        ]
        let workers = try options.resolvedWorkers()
        if workers > 0 {
            let configuration = WorkerConfiguration(
                concurrency: workers, leaseDuration: try options.resolvedLease(), claimBatch: options.claimBatch ?? 32, retry: retry)
            services.append(WorkerPool(store: store, registry: registry(), configuration: configuration, logger: logger))
        }
        return services
    }

    static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = Environment.string("HANGAR_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info
        return logger
    }
}
