public import Foundation

/// Where large bytes live (screenshots, episode archives, MDS shards): a local directory by
/// default, any S3-compatible endpoint in production. Keys are `/`-separated relative paths
/// (`screenshots/{task_id}/3.jpg`); implementations refuse keys that would escape their root.
public protocol BlobStore: Sendable {
    /// Stores `data` under `key`, replacing what was there.
    func put(_ key: String, data: Data, contentType: String) async throws
    /// The bytes under `key`, or `nil` when there are none.
    func get(_ key: String) async throws -> Data?
    /// Removes `key`; removing a missing key is not an error.
    func delete(_ key: String) async throws
    /// Keys under `prefix`, sorted.
    func list(prefix: String) async throws -> [BlobInfo]
}

public struct BlobInfo: Sendable, Hashable {
    public var key: String
    public var size: Int64
    public var modifiedAt: Date?

    public init(key: String, size: Int64, modifiedAt: Date? = nil) {
        self.key = key
        self.size = size
        self.modifiedAt = modifiedAt
    }
}
