import Foundation
import GRDB
import HangarCore
public import HangarStore
import Synchronization

/// The embedded backend: one SQLite file in WAL mode, for one Hangar process.
///
/// GRDB serialises every write through one connection, which makes each contract method a
/// short exclusive transaction; readers use a pool of snapshot connections and never block
/// it. Wake-ups are an in-process broadcast, published after commit.
public final class SQLiteStore: HangarStore {
    let pool: DatabasePool
    /// The database file (fault reports name its directory and ask its filesystem).
    let path: String
    let broadcaster = SignalBroadcaster()
    let commits: GroupCommit
    public var notifier: any QueueNotifier { broadcaster }
    /// One process per file: every signal is published in this one.
    public var notificationsListening: Bool { true }

    /// Page cache per connection, in KiB (SQLite's own default, made explicit as a bound).
    static let cacheKiB = 2048
    /// Snapshot readers beside the one writer.
    static let readers = 5

    /// `fullSync`: an fsync of the log per commit (SQLite's `synchronous = FULL`), so that a
    /// commit survives the kernel turning the filesystem read-only after an I/O error, or a
    /// power cut, too. Without it (`NORMAL`, the default) a commit survives a crash of the
    /// process; the kernel writes it to the disk within about 30 s, and one made in between is
    /// lost if the filesystem goes read-only first (`StorageFaultTests.readOnly`). On this
    /// machine's disk one commit at a time: 34,000/s NORMAL, 320/s FULL; group commit shares
    /// one fsync among concurrent writes.
    public init(path: String, fullSync: Bool = false) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(TimeInterval(Self.busySeconds))
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // The page cache grows with the database up to this cap per connection, so the
            // process's share of the file is bounded: `cacheKiB` × (readers + the writer).
            try db.execute(sql: "PRAGMA cache_size = -\(Self.cacheKiB)")
        }
        configuration.maximumReaderCount = Self.readers
        configuration.label = "hangar"
        self.path = path
        pool = try DatabasePool(path: path, configuration: configuration)
        // After the pool is open: GRDB sets NORMAL on the writer when it turns WAL on, after
        // `prepareDatabase`. The writer is one connection for the pool's life.
        if fullSync { try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") } }
        commits = GroupCommit(pool: pool, broadcaster: broadcaster)
    }

    /// Write transactions committed, and the write calls they carried (more calls than
    /// transactions: group commit at work).
    public var writeStats: (transactions: Int, calls: Int) {
        (commits.transactions.load(ordering: .relaxed), commits.calls.load(ordering: .relaxed))
    }

    public func migrate() async throws {
        try SQLiteMigrations.migrator().migrate(pool)
    }

    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func close() async throws {
        broadcaster.finish()
        try pool.close()
    }

    /// Runs `body` atomically (a savepoint of a group-committed transaction, see `GroupCommit`)
    /// and returns once it committed; the signals it produced are published after the commit.
    func write<T: Sendable>(_ body: @Sendable @escaping (Database, inout [QueueSignal]) throws -> T) async throws -> T {
        try await commits.write(body)
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await pool.read(body)
    }
}
