import Foundation
import HangarSettings
import HangarCore
import Testing

@testable import HangarBlobs

@Suite("Local blob store")
struct LocalBlobStoreTests {
    @Test("put, get, list and delete round-trip; a missing key is nil and deleting it is fine")
    func roundTrip() async throws {
        try await withTemporaryDirectory { dir in
            let store = LocalBlobStore(root: dir)
            try await store.put("capture/t1/episodes/a.zip", data: Data("one".utf8), contentType: "application/zip")
            try await store.put("capture/t1/episodes/b.zip", data: Data("two!".utf8), contentType: "application/zip")
            try await store.put("other/c", data: Data(), contentType: "text/plain")
            try await store.put("capture/t1/episodes/a.zip", data: Data("ONE".utf8), contentType: "application/zip")
            #expect(try await store.get("capture/t1/episodes/a.zip") == Data("ONE".utf8))
            #expect(try await store.get("capture/t1/episodes/missing.zip") == nil)
            let listed = try await store.list(prefix: "capture/")
            #expect(listed.map(\.key) == ["capture/t1/episodes/a.zip", "capture/t1/episodes/b.zip"])
            #expect(listed.map(\.size) == [3, 4])
            #expect(try await store.list(prefix: "").count == 3)
            try await store.delete("capture/t1/episodes/a.zip")
            try await store.delete("capture/t1/episodes/a.zip")
            #expect(try await store.get("capture/t1/episodes/a.zip") == nil)
            #expect(try await store.list(prefix: "capture/").map(\.key) == ["capture/t1/episodes/b.zip"])
        }
    }

    @Test("keys that could escape the root are refused before touching the disk", arguments: [
        "../outside", "a/../../outside", "/etc/passwd", "a//b", "", "a/./b", "a/", "a\\..\\b",
    ])
    func escapingKeys(key: String) async throws {
        try await withTemporaryDirectory { dir in
            let store = LocalBlobStore(root: dir.appendingPathComponent("root"))
            await #expect(throws: HangarError.self) { try await store.put(key, data: Data("x".utf8), contentType: "text/plain") }
            await #expect(throws: HangarError.self) { _ = try await store.get(key) }
            await #expect(throws: HangarError.self) { try await store.delete(key) }
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("outside").path))
        }
        await #expect(throws: HangarError.self) { _ = try await LocalBlobStore(root: URL(fileURLWithPath: "/tmp")).list(prefix: "../") }
    }

    /// The `blobs` area as `serve` reads it, from these environment variables only.
    func blobs(_ environment: [String: String]) async throws -> BlobStoreConfiguration {
        let settings = try await Settings(areas: [BlobStoreConfiguration.settings], environment: environment)
        return try settings.area("blobs") { try BlobStoreConfiguration(config: $0, directory: URL(fileURLWithPath: "/data/default", isDirectory: true)) }
    }

    @Test("configuration: local by default, S3 with credentials from variables, AWS_* or *_FILE, bad values named by their source")
    func configuration() async throws {
        #expect(try await blobs([:]) == .local(URL(fileURLWithPath: "/data/default", isDirectory: true)))
        #expect(try await blobs(["HANGAR_BLOB_DIR": "/data/b"]) == .local(URL(fileURLWithPath: "/data/b", isDirectory: true)))

        let secretFile = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)")
        try Data("from-file\n".utf8).write(to: secretFile)
        defer { try? FileManager.default.removeItem(at: secretFile) }
        let config = try await blobs([
            "HANGAR_S3_BUCKET": "hangar", "HANGAR_S3_ENDPOINT": "http://127.0.0.1:9000", "HANGAR_S3_PREFIX": "p",
            "AWS_ACCESS_KEY_ID": "aws-id", "HANGAR_S3_SECRET_ACCESS_KEY_FILE": secretFile.path, "AWS_SESSION_TOKEN": "tok",
            "HANGAR_S3_TIMEOUT": "30", "HANGAR_S3_MAX_ATTEMPTS": "2",
        ])
        guard case .s3(let s3, let bucket, let prefix) = config else {
            Issue.record("expected S3, got \(config)")
            return
        }
        #expect(bucket == "hangar" && prefix == "p")
        #expect(s3.endpoint.absoluteString == "http://127.0.0.1:9000" && s3.region == "us-east-1")
        #expect(s3.credentials == S3Credentials(accessKeyID: "aws-id", secretAccessKey: "from-file", sessionToken: "tok"))
        #expect(s3.retry.maxAttempts == 2 && s3.retry.requestTimeout == .seconds(30))

        func refusal(_ environment: [String: String]) async -> String {
            do {
                _ = try await blobs(environment)
                return "accepted"
            } catch {
                return String(describing: error)
            }
        }
        let credentials = ["HANGAR_S3_BUCKET": "b", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s"]
        #expect(await refusal(credentials.merging(["HANGAR_S3_ENDPOINT": "ftp://x"]) { $1 }).hasPrefix("HANGAR_S3_ENDPOINT is not usable: 'ftp://x' is not an http(s) URL"))
        #expect(await refusal(["HANGAR_S3_BUCKET": "b"]).contains("S3 needs credentials"))
        #expect(await refusal(credentials.merging(["HANGAR_S3_MAX_ATTEMPTS": "0"]) { $1 }).hasPrefix("HANGAR_S3_MAX_ATTEMPTS must be a positive number"))
        #expect(
            await refusal(["HANGAR_S3_BUCKET": "b", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY_FILE": "/nonexistent/secret"])
                .hasPrefix("AWS_SECRET_ACCESS_KEY_FILE names a file that cannot be read"))
    }
}
