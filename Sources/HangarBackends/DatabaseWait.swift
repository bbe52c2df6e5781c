import Foundation
import HangarCore
import HangarStorePostgres
import HangarTimers
public import Logging

/// Start-up's patience with a database that does not answer yet (a container starting next
/// to Hangar, a failover): retry with backoff for a bounded time, then give up with one line
/// that names host, port, user and the reason. Mistakes that waiting cannot fix (a wrong
/// password, a database that does not exist, TLS the server does not speak) end it at once.
public struct DatabaseWait: Sendable {
    /// Total time to keep trying (`HANGAR_DATABASE_WAIT`, `--database-wait`).
    public var limit: Duration
    public var firstDelay: Duration = .milliseconds(250)
    public var maxDelay: Duration = .seconds(5)

    public init(limit: Duration) {
        self.limit = limit
    }

    /// Why the database could not be used, ready to print as the process's last line.
    public struct GaveUp: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Returns once the database answers. `progress` hears every failed attempt's reason (for
    /// `/ready` while waiting). Nothing to wait for with SQLite: the file is local.
    public func untilReachable(
        databaseURL: String?, logger: Logger, progress: @Sendable (String) -> Void = { _ in }
    ) async throws {
        guard let url = databaseURL, StoreFactory.isShared(url) else { return }
        let target = PostgresProbe.target(url)
        let clock = ContinuousClock()
        let start = clock.now
        var delay = firstDelay
        var lastLog: ContinuousClock.Instant?
        while true {
            do {
                try await PostgresProbe.check(url: url, logger: logger)
                if lastLog != nil { logger.notice("PostgreSQL answers now", metadata: ["database": .string(target)]) }
                return
            } catch let failure as PostgresProbe.Failure {
                let waited = clock.now - start
                guard failure.retryable else {
                    throw GaveUp(description: "cannot use PostgreSQL at \(target): \(failure.reason)")
                }
                guard waited < limit else {
                    throw GaveUp(
                        description: "cannot reach PostgreSQL at \(target): \(failure.reason). Gave up after \(Self.seconds(waited)) "
                            + "(wait longer with --database-wait / HANGAR_DATABASE_WAIT)")
                }
                progress("waiting for PostgreSQL at \(target): \(failure.reason)")
                // One line at the first failure, then one every 10 s: not two a second.
                if lastLog.map({ clock.now - $0 >= .seconds(10) }) ?? true {
                    logger.warning(
                        "cannot reach PostgreSQL yet; retrying",
                        metadata: [
                            "database": .string(target), "reason": .string(failure.reason),
                            "gives_up_in": .string(Self.seconds(limit - waited)),
                        ])
                    lastLog = clock.now
                }
                try await Timers.sleep(for: min(delay, limit - waited))
                delay = min(delay * 2, maxDelay)
            }
        }
    }

    static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return value < 10 ? String(format: "%.1f s", value) : "\(Int(value.rounded())) s"
    }
}
