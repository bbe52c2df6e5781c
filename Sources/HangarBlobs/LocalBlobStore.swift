public import Foundation

/// Blobs as files under one directory. Writes go to a temporary file in the same directory and
/// are renamed into place, so a reader never sees half a blob.
public struct LocalBlobStore: BlobStore {
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    public func put(_ key: String, data: Data, contentType: String) async throws {
        let url = try fileURL(for: key)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
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

    /// The file for `key`; refuses keys that would resolve outside `root`.
    public func fileURL(for key: String) throws -> URL {
        try BlobKey.validate(key)
        return root.appendingPathComponent(key, isDirectory: false)
    }
}
