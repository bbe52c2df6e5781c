import Foundation
import HangarCore
public import HangarStore
import HangarStorePostgres
import HangarStoreSQLite
public import Logging

/// The one place that knows every backend: picks one from a database URL.
///
/// - `postgres://…` / `postgresql://…` → PostgreSQL (many processes, many machines);
/// - `sqlite:///path/to/file.sqlite` or a plain path → SQLite (one process);
/// - `nil` → SQLite at `<dataDir>/hangar.sqlite`, the embedded default.
///
/// `sqliteFullSync`: SQLite fsyncs its log at every commit (see `SQLiteStore.init`).
public enum StoreFactory {
    public static func open(
        databaseURL: String?, dataDir: String, maxConnections: Int = 20, sqliteFullSync: Bool = false,
        logger: Logger = Logger(label: "hangar.store")
    ) throws -> any HangarStore {
        if let url = databaseURL, url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return try PostgresStore(url: url, maxConnections: maxConnections, logger: logger)
        }
        let path: String
        if let url = databaseURL, !url.isEmpty {
            // `mysql://…`, `redis://…`: a URL of a kind Hangar does not speak, not a file name.
            if !url.hasPrefix("sqlite://"), let scheme = url.range(of: "://").map({ String(url[..<$0.lowerBound]) }) {
                throw HangarError.invalid(
                    field: "database",
                    message: "'\(scheme)://' is not a database Hangar supports: give postgres://user:pass@host:port/db, "
                        + "sqlite:///path/to/file.sqlite or a file path (--database or HANGAR_DATABASE_URL)")
            }
            path = url.hasPrefix("sqlite://") ? String(url.dropFirst("sqlite://".count)) : url
        } else {
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
            path = (dataDir as NSString).appendingPathComponent("hangar.sqlite")
        }
        guard !path.isEmpty else { throw HangarError.invalid(field: "database", message: "empty SQLite path") }
        return try SQLiteStore(path: path, fullSync: sqliteFullSync)
    }

    /// A database error in an operator's words ("PostgreSQL refused user 'x': …"), or nil when
    /// the error is not the database's (then it speaks for itself).
    public static func describe(_ error: any Error, databaseURL: String?) -> String? {
        guard let url = databaseURL, isShared(url), let parsed = try? PostgresURL(url) else { return nil }
        if error is HangarError { return nil }
        return "PostgreSQL at \(PostgresProbe.target(url)): \(PostgresProbe.describe(error, url: parsed).reason)"
    }

    /// The SQLite file a URL (or the data dir's default) names.
    public static func sqlitePath(databaseURL: String?, dataDir: String) -> String {
        guard let url = databaseURL, !url.isEmpty else { return (dataDir as NSString).appendingPathComponent("hangar.sqlite") }
        return url.hasPrefix("sqlite://") ? String(url.dropFirst("sqlite://".count)) : url
    }

    /// Whether the backend can be shared by several processes (`hangar worker` needs one).
    public static func isShared(_ databaseURL: String?) -> Bool {
        guard let url = databaseURL else { return false }
        return url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")
    }
}
