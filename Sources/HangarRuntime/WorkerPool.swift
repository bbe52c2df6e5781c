import Foundation
import HangarCore
public import HangarStore
import HangarTimers
public import Logging
public import ServiceLifecycle
public import Synchronization

/// Claims tasks and runs them, up to `concurrency` at once, holding a lease on each.
///
/// - Claims happen when a slot is free and there is reason to believe work exists: a
///   notification, a finished attempt, a retry coming due, or the slow safety-net poll.
///   An idle pool costs the database one query per `idlePollInterval`.
/// - One heartbeat renews every held lease in a single statement; it also reports leases
///   lost (stop the attempt, record nothing) and cancel requests missed by notification.
/// - Each attempt runs in its own task so it can be stopped on its own: cancel request,
///   timeout, lost lease or shutdown.
public final class WorkerPool: Service, Sendable {
    let store: any NotifyingStore & TaskLeaseStore & EventStore & IncidentStore
    let registry: ExecutorRegistry
    public let configuration: WorkerConfiguration
    let logger: Logger
    /// Attempts in progress, by lease token (a pool may briefly hold a stale attempt and a
    /// new one of the same task, after its lease expired and it claimed the task again).
    let running = Mutex<[String: Execution]>([:])
    let wake = WakeSignal()
    let stopping = Atomic<Bool>(false)
    public let stats = WorkerStats()
    let secrets: (any SecretReader)?
    let narration: (any NarrationProvider)?
    /// Handed to every attempt, so executors account their model calls (and check budgets).
    let usage: (any UsageLedger)?
    /// Where task outcomes, retries, worker slots and model calls are counted.
    public let metrics: HangarMetrics

    public init(
        store: any NotifyingStore & TaskLeaseStore & EventStore & IncidentStore, registry: ExecutorRegistry, configuration: WorkerConfiguration, logger: Logger,
        secrets: (any SecretReader)? = nil, narration: (any NarrationProvider)? = nil, usage: (any UsageLedger)? = nil,
        metrics: HangarMetrics = .shared
    ) {
        self.store = store
        self.metrics = metrics
        self.usage = usage
        self.secrets = secrets
        self.narration = narration
        self.registry = registry
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "worker_id"] = .string(configuration.workerID)
        self.logger = logger
    }

    public var runningCount: Int { running.withLock { $0.count } }

    public func run() async throws {
        reportSlots()
        let signals = store.notifier.subscribe()
        await withGracefulShutdownHandler {
            // Discarding: a finished attempt's child task is freed at once. (A plain task group
            // keeps every finished child until its result is consumed — for a pool, the life
            // of the process: 6–19 KB per executed task.)
            await withDiscardingTaskGroup { group in
                group.addTask { await self.followSignals(signals) }
                group.addTask { await self.renewLeases() }
                await self.claimLoop(into: &group)
                await self.drain()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.stop()
        }
    }

    /// Stops claiming; running attempts get `shutdownGrace` to finish.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        wake.signal()
    }

    /// How long one database call of the pool may take before it is abandoned as a fault
    /// (see `withStoreDeadline`): the lease, at least 10 s.
    var storeDeadline: Duration { max(.seconds(10), configuration.leaseDuration) }

    var isStopping: Bool { stopping.load(ordering: .acquiring) || Task.isCancelled }

    private func claimLoop(into group: inout DiscardingTaskGroup) async {
        var failures = 0
        while !isStopping {
            let free = configuration.concurrency - runningCount
            var nextRunAt: Date?
            if free > 0 {
                let limit = min(free, configuration.claimBatch)
                do {
                    stats.claimQueries.add(1, ordering: .relaxed)
                    let claim = TaskClaimParams(
                        workerID: configuration.workerID, limit: limit, leaseDuration: configuration.leaseDuration,
                        capacity: freeCapacity(), kinds: registry.kinds, processID: configuration.workerID)
                    let result = try await withStoreDeadline(storeDeadline, "a claim") { [store] in try await store.taskClaim(claim) }
                    failures = 0
                    for claimed in result.claimed {
                        let execution = Execution(taskID: claimed.task.id, leaseToken: claimed.task.leaseToken ?? "", resources: claimed.agent.resources)
                        running.withLock { $0[execution.leaseToken] = execution }
                        group.addTask { await self.execute(claimed, execution) }
                    }
                    if !result.claimed.isEmpty { reportSlots() }
                    // Got work: there may be more, so claim again without waiting. An empty
                    // claim ends the burst; a full pool waits for a slot on the next turn.
                    if !result.claimed.isEmpty { continue }
                    nextRunAt = result.nextRunAt
                } catch {
                    failures += 1
                    logger.error("claim failed", metadata: ["error": "\(error)"])
                    try? await Timers.sleep(for: .milliseconds(min(5000, 100 * (1 << min(failures, 6)))))
                    continue
                }
            }
            var timeout = configuration.idlePollInterval
            if let nextRunAt {
                timeout = min(timeout, .seconds(fractional: max(0.005, nextRunAt.timeIntervalSinceNow)))
            }
            await wake.wait(timeout: timeout)
        }
    }

    func reportSlots() {
        let busy = runningCount
        metrics.workerSlots(busy: busy, free: max(0, configuration.concurrency - busy))
    }

    private func freeCapacity() -> Resources? {
        guard let capacity = configuration.capacity else { return nil }
        return running.withLock { $0.values.reduce(capacity) { $0 - $1.resources } }
    }

    private func followSignals(_ signals: AsyncStream<QueueSignal>) async {
        for await signal in signals {
            switch signal {
            case .taskAvailable:
                wake.signal()
            case .cancelRequested(let taskID):
                stopExecution(taskID, reason: .cancelled)
            case .event, .webhooksDue:
                break
            }
        }
    }

    private func renewLeases() async {
        while !Task.isCancelled {
            try? await Timers.sleep(for: configuration.heartbeatInterval)
            if Task.isCancelled { return }
            let leases = running.withLock { $0.values.map { (taskID: $0.taskID, token: $0.leaseToken) } }
            guard !leases.isEmpty else { continue }
            do {
                let heartbeat = TaskHeartbeatParams(workerID: configuration.workerID, leases: leases, leaseDuration: configuration.leaseDuration)
                let states = try await withStoreDeadline(storeDeadline, "a heartbeat") { [store] in try await store.taskHeartbeat(heartbeat) }
                for state in states {
                    let execution = running.withLock { $0[state.leaseToken] }
                    if !state.held {
                        logger.warning("lease lost; stopping attempt", metadata: ["task_id": .string(state.taskID)])
                        execution?.stop(.leaseLost)
                    } else if state.cancelRequested {
                        execution?.stop(.cancelled)
                    }
                }
            } catch {
                logger.error("heartbeat failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Stops every attempt of the task this pool runs (normally one).
    func stopExecution(_ taskID: String, reason: StopReason) {
        for execution in running.withLock({ $0.values.filter { $0.taskID == taskID } }) {
            execution.stop(reason)
        }
    }

    /// After claiming stops: let attempts finish for `shutdownGrace`, then stop the rest
    /// (they are requeued at once rather than waiting for their leases to expire).
    private func drain() async {
        let deadline = ContinuousClock.now + configuration.shutdownGrace
        while runningCount > 0, ContinuousClock.now < deadline {
            await wake.wait(timeout: min(.milliseconds(200), deadline - ContinuousClock.now))
        }
        for execution in running.withLock({ Array($0.values) }) {
            execution.stop(.shutdown)
        }
        while runningCount > 0 {
            await wake.wait(timeout: .milliseconds(50))
        }
    }
}

/// Counters for tests and metrics.
public final class WorkerStats: Sendable {
    public let claimQueries = Atomic<Int>(0)
    public let attemptsFinished = Atomic<Int>(0)
    public let leasesLost = Atomic<Int>(0)
}
