import Foundation
import HangarAgents
public import HangarCore
public import HangarRuntime
public import HangarStore
import Logging

/// Runs worker pools in the test process and stops them afterwards.
public final class PoolHarness: Sendable {
    public let pool: WorkerPool
    private let task: Task<Void, any Error>

    /// Model calls are accounted in the store, as `hangar serve` does.
    /// `metrics`: a registry of the test's own (default: the process-wide one).
    public init(
        store: any HangarStore, registry: ExecutorRegistry = .standard, configuration: WorkerConfiguration, metrics: HangarMetrics = .shared,
        secrets: (any SecretReader)? = nil
    ) {
        var logger = Logger(label: "test.pool")
        logger.logLevel = .warning
        pool = WorkerPool(
            store: store, registry: registry, configuration: configuration, logger: logger, secrets: secrets, usage: StoreUsageLedger(store: store),
            metrics: metrics)
        let pool = self.pool
        task = Task { try await pool.run() }
    }

    public func stop() async throws {
        pool.stop()
        try await task.value
    }
}

extension ExecutorRegistry {
    /// What `hangar serve` runs: the `llm` kind on the mock provider.
    public static var standard: ExecutorRegistry { ExecutorRegistry(["llm": LLMExecutor()]) }
}

extension WorkerConfiguration {
    /// Fast retries and short leases, for tests.
    public static func testing(
        concurrency: Int = 8, lease: Duration = .seconds(5), heartbeat: Duration? = nil, idlePoll: Duration = .seconds(2),
        shutdownGrace: Duration = .seconds(2), workerID: String = "test-\(Identifier.leaseToken().prefix(6))"
    ) -> WorkerConfiguration {
        WorkerConfiguration(
            workerID: workerID, concurrency: concurrency, leaseDuration: lease, heartbeatInterval: heartbeat, idlePollInterval: idlePoll,
            retry: Backoff(.exponential(base: .milliseconds(20), maximum: .milliseconds(200)), spread: 0.5...1), shutdownGrace: shutdownGrace)
    }
}

extension HangarStore {
    /// Waits until the task reaches `status` (or any final status when `nil`) and returns it.
    public func waitFor(_ taskID: String, status: TaskStatus? = nil, timeout: Duration = .seconds(20)) async throws -> TaskRecord {
        let deadline = ContinuousClock.now + timeout
        while true {
            let task = try await taskGet(tenantID: nil, id: taskID)
            if let task, status.map({ task.status == $0 }) ?? task.status.isFinal { return task }
            if ContinuousClock.now > deadline {
                throw WaitTimeout(description: "task \(taskID) is \(task?.status.rawValue ?? "missing"), expected \(status?.rawValue ?? "final")")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

public struct WaitTimeout: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
}
