import Foundation
public import HangarStore
import PostgresNIO

/// PostgreSQL's faults: the server or the network between (unreachable, reset, restarting,
/// out of connection slots), and the server's own disk.
extension PostgresStore {
    public func fault(for error: any Error) -> StoreFault? {
        let target = "\(url.host):\(url.port)"
        if let psql = error as? PSQLError {
            if psql.code == .server {
                let state = psql.serverInfo?[.sqlState] ?? ""
                let message = psql.serverInfo?[.message] ?? "an error"
                switch state {
                case "53100":  // disk_full
                    return StoreFault(kind: .diskFull, detail: "PostgreSQL at \(target) is out of disk space: \(message)", retryAfterSeconds: 30)
                case "25006":  // read_only_sql_transaction: a standby, e.g. during failover
                    return StoreFault(kind: .readOnly, detail: "PostgreSQL at \(target) accepts no writes (a standby?): \(message)", retryAfterSeconds: 5)
                case "57P01", "57P02", "57P03", "53300":  // shutting down, restarting, out of connection slots
                    return StoreFault(kind: .unreachable, detail: "PostgreSQL at \(target) is not available: \(message)", retryAfterSeconds: 5)
                default:
                    return nil  // the query's own error (constraint, syntax): not a fault of the store
                }
            }
            let failure = PostgresProbe.describe(psql, url: url)
            return StoreFault(kind: .unreachable, detail: "PostgreSQL at \(target) cannot be reached: \(failure.reason)", retryAfterSeconds: 5)
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
