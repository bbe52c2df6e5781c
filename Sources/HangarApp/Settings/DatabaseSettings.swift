import Configuration
import Foundation
import HangarBackends
import HangarSettings
public import HangarStore
public import Logging

/// The `database` area: where the queue is, where local files go, how long start-up waits for
/// a PostgreSQL server, and how hard SQLite holds on to commits.
public struct DatabaseSettings: Sendable {
    static let area = SettingsArea(
        "database", summary: "Where the queue and everything else is kept.",
        settings: [Keys.Database.url, Keys.Database.dataDir, Keys.Database.wait, Keys.Database.sqliteSync])

    public var url: String?
    public var dataDirectory: String
    public var wait: Duration
    /// `sqlite_sync = full`: an fsync per commit (see `SQLiteStore.init`).
    public var sqliteFullSync: Bool

    init(_ config: ConfigReader) throws {
        url = try config.text(Keys.Database.url)
        dataDirectory = try config.text(Keys.Database.dataDir) ?? ".hangar"
        wait = try config.duration(Keys.Database.wait) ?? .seconds(60)
        sqliteFullSync = try config.choice(Keys.Database.sqliteSync, of: ["normal", "full"]) == "full"
    }

    public init(settings: Settings) throws {
        self = try settings.area(Self.area.name) { try DatabaseSettings($0) }
    }

    /// Several processes can share it (PostgreSQL).
    public var isShared: Bool { StoreFactory.isShared(url) }

    /// Waits for the database (bounded), opens it and migrates. A database that cannot be used
    /// ends start-up with one line naming where Hangar went and why (`progress` hears each retry).
    ///
    /// `existing`: an admin command that reads or changes what a server made refuses to create
    /// an empty SQLite database where none is (a wrong directory would otherwise look empty).
    public func openStore(
        maxConnections: Int, logger: Logger, existing: Bool = false, progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> any HangarStore {
        do {
            try await DatabaseWait(limit: wait).untilReachable(databaseURL: url, logger: logger, progress: progress)
        } catch let gaveUp as DatabaseWait.GaveUp {
            throw StartupError(gaveUp.description)
        }
        if existing, !isShared {
            let path = StoreFactory.sqlitePath(databaseURL: url, dataDir: dataDirectory)
            guard FileManager.default.fileExists(atPath: path) else {
                throw StartupError(
                    "no Hangar database at \(path): run this where `hangar serve` keeps its data (--data-dir / HANGAR_DATA_DIR) "
                        + "or name the database (--database / HANGAR_DATABASE_URL)")
            }
        }
        let store = try StoreFactory.open(
            databaseURL: url, dataDir: dataDirectory, maxConnections: maxConnections, sqliteFullSync: sqliteFullSync, logger: logger)
        do {
            try await store.migrate()
        } catch {
            try? await store.close()
            guard let reason = StoreFactory.describe(error, databaseURL: url) else { throw error }
            throw StartupError("cannot migrate the database: \(reason)")
        }
        return store
    }

    /// The database in a log line, its password hidden.
    var logDescription: String {
        guard let url else { return "sqlite:\(dataDirectory)/hangar.sqlite" }
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}
