import Foundation
import HangarCore
import HangarTestSupport
import Testing

@testable import HangarBlobs

/// The S3 client and blob store against a real S3-compatible server (moto).
@Suite("S3 against moto_server", .serialized)
struct S3Tests {
    @Test("bucket, put, get, list with continuation, delete; errors name bucket, key and S3's code")
    func objects() async throws {
        try await MotoServer.with { moto in
            let client = S3Client(configuration: moto.configuration)
            try await client.createBucket("hangar-test")
            try await client.createBucket("hangar-test")  // already ours: fine

            let store = S3BlobStore(client: client, bucket: "hangar-test", prefix: "/tenant-a/")
            let payload = Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            try await store.put("episodes/one two.zip", data: payload, contentType: "application/zip")
            try await store.put("episodes/b+c=d.zip", data: Data("b".utf8), contentType: "application/zip")
            try await store.put("notes/x.txt", data: Data("x".utf8), contentType: "text/plain")
            #expect(try await store.get("episodes/one two.zip") == payload)
            #expect(try await store.get("episodes/b+c=d.zip") == Data("b".utf8))
            #expect(try await store.get("episodes/missing.zip") == nil)

            let listed = try await store.list(prefix: "episodes/")
            #expect(listed.map(\.key) == ["episodes/b+c=d.zip", "episodes/one two.zip"])
            #expect(listed.map(\.size) == [1, Int64(payload.count)])
            #expect(listed.allSatisfy { $0.modifiedAt != nil })
            #expect(try await client.listObjects(bucket: "hangar-test", prefix: "tenant-a/").count == 3)

            try await store.delete("episodes/one two.zip")
            try await store.delete("episodes/one two.zip")
            #expect(try await store.get("episodes/one two.zip") == nil)
            await #expect(throws: HangarError.self) { try await store.put("../escape", data: Data(), contentType: "text/plain") }

            // More keys than one ListObjectsV2 page (1000): continuation tokens are followed.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<1005 {
                    group.addTask { try await client.putObject(bucket: "hangar-test", key: "many/\(index)", data: Data()) }
                    if index % 16 == 15 { try await group.waitForAll() }
                }
                try await group.waitForAll()
            }
            #expect(try await client.listObjects(bucket: "hangar-test", prefix: "many/").count == 1005)

            do {
                _ = try await client.getObject(bucket: "no-such-bucket", key: "k")
                Issue.record("a missing bucket must fail, not read as a missing key")
            } catch let error as S3Error {
                #expect(error.code == "NoSuchBucket")
                #expect(error.status == 404)
                #expect(error.description.contains("s3://no-such-bucket/k"))
            }
        }
    }

    @Test("connection errors are retried a bounded number of times, then named")
    func retriesThenFails() async throws {
        let port = try await WebhookReceiver.freePort()  // nothing listens here
        let client = S3Client(
            configuration: S3Configuration(
                endpoint: try #require(URL(string: "http://127.0.0.1:\(port)")), credentials: S3Credentials(accessKeyID: "a", secretAccessKey: "b"),
                retry: S3RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), requestTimeout: .seconds(1))))
        let started = ContinuousClock.now
        do {
            try await client.putObject(bucket: "bucket", key: "k", data: Data("x".utf8))
            Issue.record("nothing listens; the put must fail")
        } catch let error as S3Error {
            #expect(error.attempts == 3)
            #expect(error.status == nil)
            #expect(error.description.contains("PutObject s3://bucket/k"))
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
