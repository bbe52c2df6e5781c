import Foundation
import HangarCore
import NIOSSL
import PostgresNIO

/// `postgres://user:password@host:port/database?sslmode=disable|prefer|require&schema=name&application_name=x`
///
/// `schema` puts every Hangar table in that schema (created on migrate); it is how the
/// tests isolate themselves, and how one database can host several Hangar installations.
public struct PostgresURL: Sendable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String?
    public var sslMode: String
    public var schema: String?
    /// `application_name` as PostgreSQL shows it in `pg_stat_activity` (default `hangar`).
    public var applicationName: String

    public init(_ text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            ["postgres", "postgresql"].contains(scheme)
        else {
            throw HangarError.invalid(field: "database", message: "expected postgres://user:password@host:port/database")
        }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        port = components.port ?? 5432
        username = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        password = components.password.flatMap { $0.removingPercentEncoding }
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        database = path.isEmpty ? nil : path
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        sslMode = query["sslmode"] ?? "disable"
        schema = query["schema"].flatMap { $0.isEmpty ? nil : $0 }
        applicationName = query["application_name"].flatMap { $0.isEmpty ? nil : String($0.prefix(63)) } ?? "hangar"
        if let schema, !schema.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
            throw HangarError.invalid(field: "database", message: "schema must be letters, digits and underscores")
        }
    }

    func tls() throws -> PostgresClient.Configuration.TLS {
        switch sslMode {
        case "disable", "allow": return .disable
        case "prefer": return .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": return .require(.makeClientConfiguration())
        default: throw HangarError.invalid(field: "database", message: "unknown sslmode '\(sslMode)'")
        }
    }

    var startupParameters: [(String, String)] {
        [("application_name", applicationName)] + (schema.map { [("search_path", $0)] } ?? [])
    }

    func clientConfiguration(maxConnections: Int) throws -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: try tls())
        configuration.options.additionalStartupParameters = startupParameters
        configuration.options.maximumConnections = maxConnections
        // No keep-alive pings. PostgresNIO (1.33) arms a keep-alive timer, and an idle timer,
        // each time a connection is returned, and cancels them at the next lease; each is a
        // sleeping task, which leaks when cancelled (see HangarTimers). Without keep-alive half
        // of them go; a dead idle connection is noticed when its socket closes or, at worst, by
        // the 30 s deadline on every query.
        configuration.options.keepAliveBehavior = nil
        // Connections up to the minimum are kept open and arm no idle timer when returned: with
        // four, the usual load leases and returns without a timer at all (WorkerPoolMemoryTests:
        // ~1.4 KB per task on PostgreSQL without, none with). (The whole pool fixed, minimum =
        // maximum, once let a request wait over 30 s after every connection was killed.)
        configuration.options.minimumConnections = min(4, maxConnections)
        return configuration
    }

    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case "prefer": tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case "require", "verify-ca", "verify-full": tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default: tls = .disable
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }

    /// NOTIFY channels are per database, not per schema: name them after the schema.
    var channel: String {
        schema.map { "hangar_\($0)" } ?? "hangar"
    }
}
