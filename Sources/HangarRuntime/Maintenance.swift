import Foundation
import HangarCore
public import HangarStore
import HangarTimers
public import Logging
public import ServiceLifecycle

/// Periodic upkeep that any number of processes may run at once (each step is idempotent
/// and skips rows another process holds): rescue tasks whose lease expired; after the
/// retention period delete finished tasks with their events, fold usage records into daily
/// totals and delete security incidents; delete idle rate-limit buckets. So no table grows
/// for ever.
public struct Maintenance: Service {
    public struct Configuration: Sendable {
        public var rescueInterval: Duration
        public var retention: Duration
        public var retentionInterval: Duration
        public var retry: Backoff
        /// Rate-limit buckets idle this long are deleted: the longest rate-limit period (an hour),
        /// after which an idle bucket is full again, the same as no bucket.
        public var rateBucketIdle: Duration

        public init(
            rescueInterval: Duration = .seconds(5), retention: Duration = .seconds(7 * 24 * 3600),
            retentionInterval: Duration = .seconds(60), retry: Backoff = .taskRetries, rateBucketIdle: Duration = .seconds(3600)
        ) {
            self.rescueInterval = rescueInterval
            self.retention = retention
            self.retentionInterval = retentionInterval
            self.retry = retry
            self.rateBucketIdle = rateBucketIdle
        }
    }

    let store: any IncidentStore & QuotaStore & TaskStore & TaskLeaseStore & UsageStore
    let configuration: Configuration
    let logger: Logger
    let metrics: HangarMetrics

    public init(store: any IncidentStore & QuotaStore & TaskStore & TaskLeaseStore & UsageStore, configuration: Configuration, logger: Logger, metrics: HangarMetrics = .shared) {
        self.store = store
        self.metrics = metrics
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        // Between sweeps there is nothing to finish: stop at once on shutdown.
        try? await cancelWhenGracefulShutdown {
            var lastRetention = ContinuousClock.now - configuration.retentionInterval
            while !Task.isCancelled {
                await rescueExpired()
                if ContinuousClock.now - lastRetention >= configuration.retentionInterval {
                    lastRetention = .now
                    await deleteExpired()
                    await pruneRateBuckets()
                }
                try await Timers.sleep(for: configuration.rescueInterval)
            }
        }
    }

    public func rescueExpired() async {
        do {
            let retry = configuration.retry
            let rescued = try await store.taskRescueExpired(TaskRescueParams { retry.delay(afterFailure: $0) })
            metrics.leasesExpired(rescued.count)
            if !rescued.isEmpty {
                logger.warning("requeued tasks whose worker stopped renewing its lease", metadata: ["count": "\(rescued.count)"])
            }
        } catch {
            logger.error("lease rescue failed", metadata: ["error": "\(error)"])
        }
    }

    /// Deletes idle rate-limit buckets: without this, every caller that ever sent a request
    /// would keep a row for the life of the database.
    public func pruneRateBuckets() async {
        do {
            let pruned = try await store.rateLimitPrune(idleSince: Date().addingTimeInterval(-configuration.rateBucketIdle.seconds))
            if pruned > 0 { logger.debug("deleted idle rate-limit buckets", metadata: ["count": "\(pruned)"]) }
        } catch {
            logger.error("rate-limit bucket cleanup failed", metadata: ["error": "\(error)"])
        }
    }

    public func deleteExpired() async {
        let cutoff = Date().addingTimeInterval(-configuration.retention.seconds)
        do {
            let total = try await drain { try await self.store.taskDeleteFinished(before: cutoff, limit: $0) }
            if total > 0 { logger.info("deleted finished tasks past retention", metadata: ["count": "\(total)"]) }
            let folded = try await drain { try await self.store.usageCompact(before: cutoff, limit: $0) }
            if folded > 0 { logger.info("folded usage records past retention into daily totals", metadata: ["count": "\(folded)"]) }
            let incidents = try await drain { try await self.store.incidentDeleteOld(before: cutoff, limit: $0) }
            if incidents > 0 { logger.info("deleted security incidents past retention", metadata: ["count": "\(incidents)"]) }
        } catch {
            logger.error("retention cleanup failed", metadata: ["error": "\(error)"])
        }
    }

    /// Runs `batch` (1000 rows at a time, each its own short transaction) until it finds fewer.
    private func drain(_ batch: (Int) async throws -> Int) async throws -> Int {
        var total = 0
        while true {
            let done = try await batch(1000)
            total += done
            if done < 1000 { return total }
        }
    }
}
