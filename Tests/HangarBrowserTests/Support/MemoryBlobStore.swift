import Foundation
import HangarBlobs

/// A blob store in memory, for tests.
actor MemoryBlobStore: BlobStore {
    struct Blob: Sendable {
        var data: Data
        var contentType: String
    }

    private(set) var blobs: [String: Blob] = [:]

    func put(_ key: String, data: Data, contentType: String) async throws {
        blobs[key] = Blob(data: data, contentType: contentType)
    }

    func get(_ key: String) async throws -> Data? { blobs[key]?.data }

    func delete(_ key: String) async throws { blobs[key] = nil }

    func list(prefix: String) async throws -> [BlobInfo] {
        blobs.filter { $0.key.hasPrefix(prefix) }.map { BlobInfo(key: $0.key, size: Int64($0.value.data.count)) }.sorted { $0.key < $1.key }
    }
}
