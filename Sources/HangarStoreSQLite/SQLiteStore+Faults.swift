import Foundation
import GRDB
import HangarCore
public import HangarStore

/// SQLite's result codes say a write failed; the filesystem says why (full, read-only), so
/// that is what the fault reports.
extension SQLiteStore {
    /// The busy timeout set in `init`: how long a write waits for another process's lock.
    static let busySeconds = 10

    public func fault(for error: any Error) -> StoreFault? {
        guard let error = error as? DatabaseError else { return nil }
        let directory = (path as NSString).deletingLastPathComponent
        let place = directory.isEmpty ? "." : directory
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreFault(
                kind: .locked,
                detail: "the SQLite database \(path) is locked by another process for longer than the busy timeout (\(Self.busySeconds) s); "
                    + "only one Hangar process may use a SQLite file (use PostgreSQL for several)",
                retryAfterSeconds: 2)
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN:
            // SQLite's code says a write failed, rarely why (a write the kernel refuses as
            // read-only is SQLITE_IOERR): a write of our own next to the database says.
            let probe = WriteProbe.check(place)
            if probe.verdict == .readOnly || error.resultCode == .SQLITE_READONLY {
                return StoreFault(
                    kind: .readOnly,
                    detail: "the filesystem holding the SQLite database (\(place)) is read-only: writes are refused until it is writable again "
                        + "(a filesystem the kernel turned read-only after an I/O error needs Hangar stopped, fsck and a remount); accepted tasks are kept",
                    retryAfterSeconds: 30)
            }
            let free = probe.freeBytes ?? 0
            if error.resultCode == .SQLITE_FULL || probe.verdict == .full || (probe.freeBytes != nil && free < 1 << 20) {
                return StoreFault(
                    kind: .diskFull,
                    detail: "the disk holding the SQLite database and its write-ahead log (\(place)) is full (\(free / 1024) KiB free): free space; accepted tasks are kept",
                    retryAfterSeconds: 30)
            }
            return StoreFault(
                kind: .ioError, detail: "the disk refused a write to the SQLite database (\(place)): \(error.message ?? "I/O error")", retryAfterSeconds: 10)
        default:
            return nil
        }
    }

    /// Writes and removes a row of a few KiB: that needs free pages in the WAL or the disk.
    public func probeWrite() async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO rate_buckets (key, tokens, updated_at) VALUES ('hangar:probe:' || hex(randomblob(2048)), 0, 0)")
            try db.execute(sql: "DELETE FROM rate_buckets WHERE key LIKE 'hangar:probe:%'")
        }
    }
}
