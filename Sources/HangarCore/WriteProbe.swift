import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Why a directory's filesystem refuses writes, found by trying one: after a write failed,
/// the error a library reports (SQLite's `SQLITE_IOERR`, Foundation's "could not write")
/// rarely says whether the disk is full or the filesystem read-only, and `statvfs`'s read-only
/// flag misses a filesystem the kernel turned read-only after an I/O error (ext4's
/// `errors=remount-ro` answers `EROFS` with the flag unset).
public struct WriteProbe: Sendable, Equatable {
    public enum Verdict: Sendable, Equatable {
        case writable
        case readOnly
        case full
        /// Another refusal, with its `errno`.
        case failed(Int32)
    }

    public var verdict: Verdict
    /// Bytes an unprivileged writer may still use, when `statvfs` answers.
    public var freeBytes: UInt64?

    /// Creates, writes one page to and removes a hidden file in `directory`.
    public static func check(_ directory: String) -> WriteProbe {
        var stats = statvfs()
        let known = statvfs(directory, &stats) == 0
        let free = known ? UInt64(stats.f_bavail) * UInt64(stats.f_frsize) : nil
        if known && stats.f_flag & UInt(ST_RDONLY) != 0 { return WriteProbe(verdict: .readOnly, freeBytes: free) }
        let path = directory + "/.hangar-write-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return WriteProbe(verdict: verdict(errno), freeBytes: free) }
        defer {
            close(fd)
            unlink(path)
        }
        let page = [UInt8](repeating: 0, count: 4096)
        let written = page.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == page.count else { return WriteProbe(verdict: written < 0 ? verdict(errno) : .full, freeBytes: free) }
        guard fsync(fd) == 0 else { return WriteProbe(verdict: verdict(errno), freeBytes: free) }
        return WriteProbe(verdict: .writable, freeBytes: free)
    }

    static func verdict(_ code: Int32) -> Verdict {
        switch code {
        case EROFS: return .readOnly
        case ENOSPC, EDQUOT: return .full
        default: return .failed(code)
        }
    }
}
