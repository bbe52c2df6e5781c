import Foundation
import HangarCore
import HangarErrorText
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// Whether a PostgreSQL server can be reached, and if not, why — in words an operator acts on.
///
/// Start-up waits on this before it opens the connection pool: the pool retries by itself and
/// ends, after a minute, with an error that names neither host, user nor cause.
public enum PostgresProbe {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What went wrong, e.g. "connection refused: nothing listens on 127.0.0.1:5433".
        public var reason: String
        /// Worth waiting for (the server may be starting), or a mistake in the URL that waiting
        /// cannot fix (wrong password, missing database, TLS the server does not speak).
        public var retryable: Bool
        public var description: String { reason }
    }

    /// Connects once, runs `SELECT 1` and disconnects; throws a `Failure` saying why not.
    public static func check(url text: String, connectTimeout: Duration = .seconds(5), logger: Logger) async throws {
        let url = try PostgresURL(text)
        var configuration = try url.connectionConfiguration()
        configuration.options.connectTimeout = .nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000)
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            do {
                _ = try await connection.query("SELECT 1", logger: logger).collect()
            } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
        } catch {
            throw describe(error, url: url)
        }
    }

    /// "host:port as user 'u' (database 'd')": where Hangar tried to go, without the password.
    public static func target(_ text: String) -> String {
        guard let url = try? PostgresURL(text) else { return "the database" }
        return "\(url.host):\(url.port) as user '\(url.username)'" + (url.database.map { " (database '\($0)')" } ?? "")
    }

    /// Turns PostgresNIO's, NIO's and the server's errors into one sentence and a verdict.
    public static func describe(_ error: any Error, url: PostgresURL) -> Failure {
        let address = "\(url.host):\(url.port)"
        if let failure = error as? Failure { return failure }
        if let psql = error as? PSQLError {
            switch psql.code {
            case .server:
                return server(psql, url: url)
            case .sslUnsupported:
                return Failure(
                    reason: "the server at \(address) does not speak TLS, but the URL asks for sslmode=\(url.sslMode) "
                        + "(use sslmode=disable or prefer, or enable ssl on the server)", retryable: false)
            case .failedToAddSSLHandler:
                return Failure(reason: "TLS could not be set up for \(address)", retryable: false)
            case .authMechanismRequiresPassword:
                return Failure(
                    reason: "the server asks user '\(url.username)' for a password and the URL has none "
                        + "(postgres://user:password@host:port/db)", retryable: false)
            case .unsupportedAuthMechanism, .saslError:
                return Failure(reason: "the server at \(address) wants an authentication method Hangar cannot do for user '\(url.username)'", retryable: false)
            case .connectionError, .serverClosedConnection, .uncleanShutdown:
                if let underlying = psql.underlying { return describe(underlying, url: url) }
                return Failure(reason: "the connection to \(address) closed before PostgreSQL answered", retryable: true)
            default:
                if let underlying = psql.underlying { return describe(underlying, url: url) }
                return Failure(reason: "PostgreSQL at \(address) failed: \(psql.code)", retryable: true)
            }
        }
        if error is NIOSSLError || error is BoringSSLError {
            return Failure(reason: "the TLS handshake with \(address) failed (sslmode=\(url.sslMode))", retryable: false)
        }
        // The network's errors (refused, DNS, timeouts, resets): worth waiting for.
        let text = ErrorText.describe(error)
        return Failure(reason: text.hasPrefix(address) ? text : "\(address): \(text)", retryable: true)
    }

    /// The server answered with an error: its SQLSTATE says whether waiting helps.
    private static func server(_ error: PSQLError, url: PostgresURL) -> Failure {
        let message = error.serverInfo?[.message] ?? "an error"
        let state = error.serverInfo?[.sqlState] ?? ""
        switch state {
        case "57P03":  // cannot_connect_now: starting up, shutting down, in recovery
            return Failure(reason: "PostgreSQL is not accepting connections yet: \(message)", retryable: true)
        case "53300":  // too_many_connections
            return Failure(reason: "PostgreSQL has no free connection slot: \(message)", retryable: true)
        case "28P01", "28000":  // invalid password / invalid authorization (no role, pg_hba.conf)
            return Failure(reason: "PostgreSQL refused user '\(url.username)': \(message)", retryable: false)
        case "3D000":  // invalid_catalog_name
            return Failure(reason: "\(message) (create it, or name another database in the URL)", retryable: false)
        default:
            return Failure(reason: "PostgreSQL answered: \(message)" + (state.isEmpty ? "" : " (SQLSTATE \(state))"), retryable: false)
        }
    }
}
