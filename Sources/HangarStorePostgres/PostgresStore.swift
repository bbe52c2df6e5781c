import Foundation
import HangarCore
public import HangarStore
import HangarTimers
import Logging
import PostgresNIO
import Synchronization

/// The multi-process backend. Any number of API and worker processes on any number of
/// machines share one queue: claims lock rows with `FOR UPDATE SKIP LOCKED`, per-agent
/// limits serialise on advisory locks, and wake-ups travel by LISTEN/NOTIFY.
///
/// Times come from the database clock (`now()`), never from the caller, so leases stay
/// correct between machines whose clocks disagree.
public final class PostgresStore: HangarStore {
    let client: PostgresClient
    let url: PostgresURL
    let logger: Logger
    let broadcaster = SignalBroadcaster()
    /// Completions of concurrent attempts, written together (`finishCompleted`).
    let completions = CallBatcher<TaskFinishParams, TaskRecord>()
    /// Submissions without an idempotency key, written together (`insertBatch`).
    let inserts = CallBatcher<TaskInsertParams, TaskInsertResult>()
    private let background = Mutex<Task<Void, Never>?>(nil)
    private let listenerConnection = Mutex<PostgresConnection?>(nil)
    private let isListening = Atomic<Bool>(false)
    /// Why the listener cannot connect right now (nil while it can): new connections are being
    /// refused (no free slot, server down), so calls that wait for one are answered quickly.
    private let connectFailure = Mutex<StoreFault?>(nil)
    /// Set just before `client.run()` is entered: leasing a connection earlier makes PostgresNIO
    /// warn that `run()` has not been called (and wait for it).
    private let isRunning = Atomic<Bool>(false)
    private let isClosing = Atomic<Bool>(false)

    public var notifier: any QueueNotifier { broadcaster }

    /// Opens a client pool and starts listening for notifications.
    public init(url: String, maxConnections: Int = 20, logger: Logger = Logger(label: "hangar.postgres")) throws {
        self.url = try PostgresURL(url)
        self.logger = logger
        client = PostgresClient(configuration: try self.url.clientConfiguration(maxConnections: maxConnections), backgroundLogger: logger)
        let task = Task { [client] in
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    self.isRunning.store(true, ordering: .releasing)
                    await client.run()
                }
                group.addTask { await self.listen() }
            }
        }
        background.withLock { $0 = task }
    }

    public func close() async throws {
        isClosing.store(true, ordering: .releasing)
        let connection = listenerConnection.withLock { $0 }
        try? await connection?.close()
        background.withLock { $0 }?.cancel()
        broadcaster.finish()
    }

    public func ping() async throws {
        await clientRunning()
        do {
            _ = try await query("SELECT 1", logger: logger).collect()
        } catch let fault as StoreFault {
            throw HangarError.unavailable(fault.detail)
        } catch {
            // `/ready` shows this: say what an operator can act on, not PostgresNIO's internals.
            throw HangarError.unavailable(PostgresProbe.describe(error, url: url).reason)
        }
    }

    /// Waits (briefly: the task starting it was created in `init`) until the client runs.
    func clientRunning() async {
        while !isRunning.load(ordering: .acquiring) { await Task.yield() }
        await Task.yield()
    }

    /// True while the LISTEN connection is up (it reconnects by itself when lost).
    public var notificationsListening: Bool { isListening.load(ordering: .acquiring) }

    public func migrate() async throws {
        await clientRunning()
        if let schema = url.schema {
            try await client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\""), logger: logger)
        }
        try await client.withTransaction(logger: logger) { connection in
            // Many processes may start at once; one migrates, the others wait and find it done.
            try await connection.query("SELECT pg_advisory_xact_lock(4857217)", logger: self.logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS hangar_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: self.logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM hangar_migrations", logger: self.logger)
                .decode(Int.self)
            {
                applied.insert(version)
            }
            for migration in PostgresMigrations.all where !applied.contains(migration.version) {
                for statement in Self.statements(migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
                try await connection.query(
                    "INSERT INTO hangar_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: self.logger)
            }
        }
    }

    /// The extended query protocol takes one statement at a time.
    static func statements(_ sql: String) -> [String] {
        sql.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    // MARK: Notifications

    /// Payloads: `q` (work available), `w` (webhooks due), `c:<task>` (cancel), `e:<task>:<seq>` (events).
    static func payload(_ signal: QueueSignal) -> String {
        switch signal {
        case .taskAvailable: return "q"
        case .cancelRequested(let taskID): return "c:\(taskID)"
        case .event(let taskID, let seq): return "e:\(taskID):\(seq)"
        case .webhooksDue: return "w"
        }
    }

    static func signal(_ payload: String) -> QueueSignal? {
        let parts = payload.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.first {
        case "q": return .taskAvailable
        case "w": return .webhooksDue
        case "c" where parts.count == 2: return .cancelRequested(taskID: String(parts[1]))
        case "e" where parts.count == 3: return Int64(parts[2]).map { .event(taskID: String(parts[1]), seq: $0) }
        default: return nil
        }
    }

    /// Queues NOTIFYs inside the caller's transaction: PostgreSQL delivers them on commit,
    /// and not at all on rollback.
    static func notify(_ connection: PostgresConnection, channel: String, _ signals: [QueueSignal], logger: Logger) async throws {
        guard !signals.isEmpty else { return }
        let payloads = signals.deduplicated().map(payload)
        try await connection.query("SELECT pg_notify(\(channel), p) FROM unnest(\(payloads)::text[]) AS p", logger: logger)
    }

    private func listen() async {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled && !isClosing.load(ordering: .acquiring) {
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try url.connectionConfiguration(), id: 0, logger: logger)
                listenerConnection.withLock { $0 = connection }
                try await connection.listen(on: url.channel) { notifications in
                    isListening.store(true, ordering: .releasing)
                    connectFailure.withLock { $0 = nil }
                    delay = .milliseconds(100)
                    // Anything may have happened while we were not listening: look again.
                    broadcaster.publish(.taskAvailable)
                    for try await notification in notifications {
                        if let signal = Self.signal(notification.payload) { broadcaster.publish(signal) }
                    }
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled || isClosing.load(ordering: .acquiring) { break }
                if let fault = Self.fault(for: error, url: url) { connectFailure.withLock { $0 = fault } }
                logger.warning(
                    "notification listener lost its connection; reconnecting", metadata: ["error": "\(String(reflecting: error))"])
            }
            isListening.store(false, ordering: .releasing)
            try? await Timers.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    // MARK: Transactions

    /// Runs a transaction; signals collected by the body are NOTIFYed before commit.
    func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, inout [QueueSignal]) async throws -> T
    ) async throws -> T {
        do {
            return try await withStoreDeadline(callDeadline, "a transaction") { [client, logger] in
                try await client.withTransaction(logger: logger) { connection in
                    var signals: [QueueSignal] = []
                    let value = try await body(connection, &signals)
                    try await Self.notify(connection, channel: self.url.channel, signals, logger: self.logger)
                    return value
                }
            }
        } catch let error as PostgresTransactionError {
            throw Self.unwrap(error, url: url)
        } catch {
            throw explained(error)
        }
    }

    static func unwrap(_ error: PostgresTransactionError, url: PostgresURL) -> any Error {
        if let closure = error.closureError { return mapUnavailable(closure, url: url) }
        if let commit = error.commitError { return mapUnavailable(commit, url: url) }
        if let begin = error.beginError { return mapUnavailable(begin, url: url) }
        return error
    }

    /// One query outside a transaction, with connection failures mapped like everywhere else.
    func query(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        do {
            return try await withStoreDeadline(callDeadline, "a query") { [client] in try await client.query(query, logger: logger) }
        } catch {
            throw explained(error)
        }
    }

    /// One query outside a transaction as the prepared statement `shape` (see `StatementShape`),
    /// with the same deadline and error mapping as `query`.
    func prepared<Shape: StatementShape>(_ query: PostgresQuery, as shape: Shape.Type) async throws -> [PostgresRow] {
        do {
            return try await withStoreDeadline(callDeadline, "a query") { [client, logger] in
                try await client.run(query, as: shape, logger: logger)
            }
        } catch {
            throw explained(error)
        }
    }

    /// Connection-level failures become a `StoreFault` (HTTP 503 with `Retry-After`, naming the
    /// server and the cause): the request may be retried. Other errors pass unchanged.
    static func mapUnavailable(_ error: any Error, url: PostgresURL) -> any Error {
        fault(for: error, url: url) ?? error
    }

    /// The longest one transaction or query may take before it is abandoned as a fault (a
    /// call on a connection that died mid-flight can otherwise stay pending forever).
    static let callDeadline: Duration = .seconds(30)

    /// While new connections are refused, a call that waits for one would wait out the whole
    /// `callDeadline` (the driver's pool keeps retrying and has no request timeout): bound it
    /// by `refusedDeadline` instead, and answer with the refusal's cause.
    static let refusedDeadline: Duration = .seconds(2)

    var callDeadline: Duration { connectFailure.withLock { $0 } == nil ? Self.callDeadline : Self.refusedDeadline }

    /// `mapUnavailable`, and a call abandoned while connections are refused says why they are.
    func explained(_ error: any Error) -> any Error {
        let mapped = Self.mapUnavailable(error, url: url)
        guard var fault = mapped as? StoreFault, fault.kind == .unreachable else { return mapped }
        if let cause = connectFailure.withLock({ $0 }) { return cause }
        // An abandoned call (`withStoreDeadline`) names the database in general: say which.
        if fault.detail.hasPrefix("the database ") {
            fault.detail = "PostgreSQL at \(url.host):\(url.port) " + fault.detail.dropFirst("the database ".count)
        }
        return fault
    }

    static func isUniqueViolation(_ error: any Error) -> Bool {
        (error as? PSQLError)?.serverInfo?[.sqlState] == "23505"
    }
}
