public import Foundation

/// Blobs as objects in one bucket, under an optional key prefix (`hangar/` → `hangar/{key}`).
public struct S3BlobStore: BlobStore {
    public let client: S3Client
    public let bucket: String
    /// Normalised to empty or ending in `/`.
    public let prefix: String

    public init(client: S3Client, bucket: String, prefix: String = "") {
        self.client = client
        self.bucket = bucket
        let trimmed = prefix.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.prefix = trimmed.isEmpty ? "" : trimmed + "/"
    }

    public func put(_ key: String, data: Data, contentType: String) async throws {
        let objectKey = try objectKey(key)
        do {
            try await client.putObject(bucket: bucket, key: objectKey, data: data, contentType: contentType)
        } catch let error as S3Error {
            throw BlobStoreFault.s3(error, endpoint: client.configuration.endpoint) ?? error
        }
    }

    public func get(_ key: String) async throws -> Data? {
        try await client.getObject(bucket: bucket, key: objectKey(key))
    }

    public func delete(_ key: String) async throws {
        try await client.deleteObject(bucket: bucket, key: objectKey(key))
    }

    public func list(prefix listPrefix: String) async throws -> [BlobInfo] {
        try BlobKey.validatePrefix(listPrefix)
        return try await client.listObjects(bucket: bucket, prefix: prefix + listPrefix)
            .filter { $0.key.hasPrefix(prefix) }
            .map { BlobInfo(key: String($0.key.dropFirst(prefix.count)), size: $0.size, modifiedAt: $0.lastModified) }
            .sorted { $0.key < $1.key }
    }

    func objectKey(_ key: String) throws -> String {
        try BlobKey.validate(key)
        return prefix + key
    }
}
