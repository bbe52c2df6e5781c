import Foundation
public import HangarStore
import PostgresNIO

/// PostgreSQL's faults: the server or the network between (unreachable, reset, restarting,
/// out of connection slots), and the server's own disk.
extension PostgresStore {
    public func fault(for error: any Error) -> StoreFault? {
        Self.fault(for: error, url: url)
    }

    /// The one classification of PostgreSQL errors: every store call maps through it
    /// (`mapUnavailable`), and the server's error middleware asks it via `fault(for:)`.
    static func fault(for error: any Error, url: PostgresURL) -> StoreFault? {
        if let fault = error as? StoreFault { return fault }
        let target = "\(url.host):\(url.port)"
        if let psql = error as? PSQLError {
            switch psql.code {
            case .server:
                let state = psql.serverInfo?[.sqlState] ?? ""
                let message = psql.serverInfo?[.message] ?? "an error"
                switch state {
                case "53100":  // disk_full
                    return StoreFault(kind: .diskFull, detail: "PostgreSQL at \(target) is out of disk space: \(message)", retryAfterSeconds: 30)
                case "25006":  // read_only_sql_transaction: a standby, e.g. during failover
                    return StoreFault(kind: .readOnly, detail: "PostgreSQL at \(target) accepts no writes (a standby?): \(message)", retryAfterSeconds: 5)
                case "53300":  // too_many_connections: max_connections (or the role's limit) spent by other clients
                    return StoreFault(
                        kind: .unreachable, detail: "PostgreSQL at \(target) has no free connection slot: \(message)", retryAfterSeconds: 5)
                case _ where state.hasPrefix("08") || state.hasPrefix("57P"):  // connection exception; shutdown, restart
                    return StoreFault(kind: .unreachable, detail: "PostgreSQL at \(target) is not available: \(message)", retryAfterSeconds: 5)
                default:
                    return nil  // the query's own error (constraint, syntax): not a fault of the store
                }
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
                return StoreFault(
                    kind: .unreachable, detail: "PostgreSQL at \(target) cannot be used: \(PostgresProbe.describe(psql, url: url).reason)",
                    retryAfterSeconds: 5)
            default:
                return nil
            }
        }
        // The pool's own refusals (its circuit breaker after failed connection attempts).
        if String(reflecting: type(of: error)).contains("ConnectionPoolError") {
            return StoreFault(kind: .unreachable, detail: "PostgreSQL at \(target) cannot be reached (new connections keep failing)", retryAfterSeconds: 5)
        }
        return nil
    }

    /// The server answers a query: the fault PostgreSQL can have from here is reaching it.
    public func probeWrite() async throws {
        try await ping()
    }
}
