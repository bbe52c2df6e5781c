public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Blobs as files under one directory. Writes go to a temporary file in the same directory,
/// are flushed to the disk and renamed into place, so a reader never sees half a blob and a
/// blob that was written survives the kernel turning the filesystem read-only or a power cut.
public struct LocalBlobStore: BlobStore {
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    public func put(_ key: String, data: Data, contentType: String) async throws {
        let url = try fileURL(for: key)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Self.writeDurably(data, to: url)
        } catch {
            throw BlobStoreFault.local(root: root, key: key, bytes: data.count) ?? error
        }
    }

    public func get(_ key: String) async throws -> Data? {
        let url = try fileURL(for: key)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try Data(contentsOf: url)
    }

    public func delete(_ key: String) async throws {
        let url = try fileURL(for: key)
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        try FileManager.default.removeItem(at: url)
    }

    public func list(prefix: String) async throws -> [BlobInfo] {
        try BlobKey.validatePrefix(prefix)
        guard let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey])
        else { return [] }
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        var found: [BlobInfo] = []
        for case let url as URL in enumerator {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey])
            guard values.isRegularFile == true else { continue }
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(rootPath) else { continue }
            let key = String(path.dropFirst(rootPath.count))
            // Temporary files of in-flight atomic writes are not blobs.
            guard key.hasPrefix(prefix), !url.lastPathComponent.hasPrefix(".") else { continue }
            found.append(BlobInfo(key: key, size: Int64(values.fileSize ?? 0), modifiedAt: values.contentModificationDate))
        }
        return found.sorted { $0.key < $1.key }
    }

    /// Temporary file, `fsync`, rename, `fsync` of the directory: without the flushes a blob
    /// lives in the page cache for up to half a minute, and an I/O error that makes the kernel
    /// turn the filesystem read-only (or a power cut) loses it after it was reported written
    /// (`BlobStoreFaultTests.localReadOnly`).
    static func writeDurably(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/.\(url.lastPathComponent).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(errno, path: temporary) }
        var failure: POSIXError?
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = POSIXError(errno, path: temporary)
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = POSIXError(errno, path: temporary) }
        close(fd)
        if failure == nil, rename(temporary, url.path) != 0 { failure = POSIXError(errno, path: url.path) }
        if let failure {
            unlink(temporary)
            throw failure
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else { throw POSIXError(errno, path: directory) }
        defer { close(directoryFD) }
        guard fsync(directoryFD) == 0 else { throw POSIXError(errno, path: directory) }
    }

    /// The file for `key`; refuses keys that would resolve outside `root`.
    public func fileURL(for key: String) throws -> URL {
        try BlobKey.validate(key)
        return root.appendingPathComponent(key, isDirectory: false)
    }
}

extension POSIXError {
    /// A failed system call's error, naming the file (`POSIXError` alone does not).
    init(_ code: Int32, path: String) {
        self.init(POSIXErrorCode(rawValue: code) ?? .EIO, userInfo: [NSFilePathErrorKey: path])
    }
}
