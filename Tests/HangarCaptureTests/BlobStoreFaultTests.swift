import Foundation
import HangarCore
import HangarTestSupport
import Synchronization
import Testing

@testable import HangarBlobs
@testable import HangarCapture

/// The blob store's faults (issue 25): a full disk, a filesystem the kernel turned read-only,
/// S3 answering 5xx or not at all. Each write gets an error naming the store and the cause, an
/// episode is recorded once (not per failed write), and writes succeed again by themselves once
/// the cause is gone, with nothing written before lost. The local cases mount filesystems:
/// they need root, as CI has.
@Suite("Blob store faults", .serialized)
struct BlobStoreFaultTests {
    /// `onEpisode` calls, in order.
    final class Episodes: Sendable {
        let calls = Mutex<[String]>([])
        var list: [String] { calls.withLock { $0 } }
        func record(_ kind: String, _ active: Bool) { calls.withLock { $0.append("\(kind) \(active ? "began" : "ended")") } }
    }

    static let screenshot = Data(repeating: 0xAB, count: 200 << 10)

    @Test("the local blob store's disk fills up: the write names the blob store and the space, one episode; space freed, it writes again")
    func localDiskFull() async throws {
        let disk = try await ScratchFilesystem.tmpfs(megabytes: 4)
        defer { disk.detach() }
        let root = URL(fileURLWithPath: disk.mountPoint + "/blobs")
        let episodes = Episodes()
        let store = FaultRecordingBlobStore(LocalBlobStore(root: root), onEpisode: { episodes.record($0, $1) })
        try await store.put("screenshots/t1/1.jpg", data: Self.screenshot, contentType: "image/jpeg")

        try disk.fill()
        for step in 2...4 {
            do {
                try await store.put("screenshots/t1/\(step).jpg", data: Self.screenshot, contentType: "image/jpeg")
                Issue.record("a write to a full disk succeeded")
            } catch let fault as BlobStoreFault {
                #expect(fault.kind == .diskFull)
                #expect(fault.detail.contains("local blob store (\(root.path))") && fault.detail.contains("is full"), "\(fault.detail)")
                #expect(fault.detail.contains("KiB needed"), "\(fault.detail)")
            }
        }
        #expect(episodes.list == ["disk_full began"], "one episode, not one per failed write")
        #expect(store.current?.kind == .diskFull)
        // A failed atomic write leaves no partial blob behind.
        #expect(try await store.list(prefix: "screenshots/").map(\.key) == ["screenshots/t1/1.jpg"])

        try disk.free()
        try await store.put("screenshots/t1/5.jpg", data: Self.screenshot, contentType: "image/jpeg")
        #expect(episodes.list == ["disk_full began", "disk_full ended"])
        #expect(store.current == nil)
        #expect(try await store.get("screenshots/t1/1.jpg") == Self.screenshot, "written before the fault, kept")
    }

    @Test("a capture episode ends while its blob store's disk is full: the caller gets the fault (the API's 507), the episode is failed naming it")
    func captureEpisodeOnFullDisk() async throws {
        let disk = try await ScratchFilesystem.tmpfs(megabytes: 4)
        defer { disk.detach() }
        try await withTemporaryDirectory { dir in
            let episodes = Episodes()
            let blobs = FaultRecordingBlobStore(LocalBlobStore(root: URL(fileURLWithPath: disk.mountPoint + "/blobs")), onEpisode: { episodes.record($0, $1) })
            let manager = CaptureManager(
                configuration: CaptureConfiguration(outputDirectory: dir.appendingPathComponent("mds"), fps: 20, minFrames: 2), blobs: blobs)
            let recorder = try await manager.startEpisode(CaptureManagerTests.start(), frames: FakeScreen().source)
            // Frames handed in, not sampled: the test does not wait on the sampler's clock.
            for frame in 0..<4 { await recorder.recordFrame(TestJPEG.make(seed: frame)) }
            try disk.fill()
            do {
                _ = try await manager.finishEpisode(id: recorder.id, tenantID: "tenant-a")
                Issue.record("an episode was written to a full disk")
            } catch let fault as BlobStoreFault {
                #expect(fault.kind == .diskFull && fault.detail.contains("local blob store"), "\(fault.detail)")
            }
            let episode = try await manager.episode(id: recorder.id, tenantID: "tenant-a")
            #expect(episode.status == .failed)
            #expect(episode.error?.contains("is full") == true, "\(episode.error ?? "")")
            #expect(episodes.list == ["disk_full began"])
        }
    }

    @Test("the kernel turns the blob store's filesystem read-only: the write names it, one episode; repaired and mounted again, it writes again")
    func localReadOnly() async throws {
        let disk = try await ScratchFilesystem.ext4(megabytes: 16)
        defer { disk.detach() }
        let root = URL(fileURLWithPath: disk.mountPoint + "/blobs")
        let episodes = Episodes()
        let store = FaultRecordingBlobStore(LocalBlobStore(root: root), onEpisode: { episodes.record($0, $1) })
        try await store.put("capture/t/episodes/a.zip", data: Self.screenshot, contentType: "application/zip")

        try await disk.turnReadOnly()
        for index in 0..<3 {
            do {
                try await store.put("capture/t/episodes/b\(index).zip", data: Self.screenshot, contentType: "application/zip")
                Issue.record("a write to a read-only filesystem succeeded")
            } catch let fault as BlobStoreFault {
                #expect(fault.kind == .readOnly)
                #expect(fault.detail.contains("local blob store (\(root.path)) is read-only"), "\(fault.detail)")
            }
        }
        #expect(episodes.list == ["read_only began"])
        #expect(try await store.get("capture/t/episodes/a.zip") == Self.screenshot, "reads still work")

        // The operator's repair (unmount, fsck, mount): the store holds no descriptor, so the
        // same process writes again without a restart.
        try await disk.repair()
        try await store.put("capture/t/episodes/c.zip", data: Self.screenshot, contentType: "application/zip")
        #expect(episodes.list == ["read_only began", "read_only ended"])
        #expect(try await store.get("capture/t/episodes/a.zip") == Self.screenshot, "written before the fault, kept")
    }

    @Test("S3 answers 503, then stalls: retried with backoff, then an error naming S3 and the bucket within the timeout; one episode; S3 back, it writes again and keeps what it had")
    func s3FailsThenStalls() async throws {
        let s3 = FlakyS3Server()
        try await s3.run { url in
            // 5 s per attempt: short for a test, long enough for a healthy answer on a loaded machine.
            let retry = S3RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(100), maxDelay: .seconds(1), requestTimeout: .seconds(5))
            let endpoint = try #require(URL(string: url))
            let client = S3Client(
                configuration: S3Configuration(endpoint: endpoint, credentials: S3Credentials(accessKeyID: "a", secretAccessKey: "b"), retry: retry))
            let episodes = Episodes()
            let store = FaultRecordingBlobStore(S3BlobStore(client: client, bucket: "hangar-shots"), onEpisode: { episodes.record($0, $1) })
            try await store.put("screenshots/t/1.jpg", data: Self.screenshot, contentType: "image/jpeg")

            // 5xx: every attempt answered 503, with growing waits between them.
            await s3.set(.failing(status: 503))
            let started = ContinuousClock.now
            do {
                try await store.put("screenshots/t/2.jpg", data: Self.screenshot, contentType: "image/jpeg")
                Issue.record("a put to a failing S3 succeeded")
            } catch let fault as BlobStoreFault {
                #expect(fault.kind == .unavailable)
                #expect(fault.detail.contains("S3 blob store (bucket 'hangar-shots' at \(url))"), "\(fault.detail)")
                #expect(fault.detail.contains("HTTP 503 SlowDown") && fault.detail.contains("after 3 attempts"), "\(fault.detail)")
            }
            // Backoff: at least ½·100 ms + ½·200 ms between the three attempts.
            #expect(ContinuousClock.now - started >= .milliseconds(150))
            #expect(await s3.count(in: .failing(status: 503)) == 3)

            // A stall: each attempt ends at the request timeout (5 s), the put after three.
            await s3.set(.stalling)
            let stalled = ContinuousClock.now
            do {
                try await store.put("screenshots/t/3.jpg", data: Self.screenshot, contentType: "image/jpeg")
                Issue.record("a put to a stalled S3 succeeded")
            } catch let fault as BlobStoreFault {
                #expect(fault.kind == .timeout)
                #expect(fault.detail.contains("bucket 'hangar-shots'") && fault.detail.contains("did not answer"), "\(fault.detail)")
                #expect(fault.detail.contains("request timeout (5 s)"), "\(fault.detail)")
            }
            let waited = ContinuousClock.now - stalled
            #expect(waited >= .seconds(15) && waited < .seconds(30), "bounded by 3 attempts × 5 s plus backoff: \(waited)")
            #expect(episodes.list == ["unavailable began", "unavailable ended", "timeout began"], "one episode per kind, not per attempt")

            await s3.set(.healthy)
            try await store.put("screenshots/t/4.jpg", data: Self.screenshot, contentType: "image/jpeg")
            #expect(episodes.list.last == "timeout ended")
            #expect(try await store.get("screenshots/t/1.jpg") == Self.screenshot, "uploaded before the fault, kept")
            #expect(await s3.object("/hangar-shots/screenshots/t/2.jpg") == nil, "a refused put stores nothing")
        }
    }

    @Test("a capture dataset upload while S3 answers 503: retried, then an error naming S3 and the bucket, the local files kept; S3 back, the upload completes")
    func datasetUploadWhileS3Fails() async throws {
        let s3 = FlakyS3Server()
        try await s3.run { url in
            try await withTemporaryDirectory { dir in
                let configuration = S3Configuration(
                    endpoint: try #require(URL(string: url)), credentials: S3Credentials(accessKeyID: "a", secretAccessKey: "b"),
                    retry: S3RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(50), requestTimeout: .seconds(10)))
                let manager = CaptureManagerTests.manager(dir) {
                    $0.remote = CaptureRemote(bucket: "training", prefix: "mds")
                    $0.s3 = configuration
                }
                try await manager.update(tenantID: "tenant-a", CaptureSettingsUpdate(keepLocal: false))
                let recorder = try await manager.startEpisode(CaptureManagerTests.start(), frames: FakeScreen().source)
                for frame in 0..<4 { await recorder.recordFrame(TestJPEG.make(seed: frame)) }
                #expect(try await recorder.finish().status == "written")
                let dataset = try #require(try await manager.datasets(tenantID: "tenant-a").first)
                let localDir = URL(fileURLWithPath: try #require(dataset.localPath))

                await s3.set(.failing(status: 503))
                do {
                    _ = try await manager.uploadDataset(id: dataset.id, tenantID: "tenant-a")
                    Issue.record("an upload to a failing S3 succeeded")
                } catch let error as S3Error {
                    #expect(error.isS3Side && error.attempts == 3 && error.bucket == "training", "\(error)")
                    #expect(error.description.contains("s3://training/mds/tenant-a/\(dataset.id)/"), "\(error)")
                }
                #expect(await s3.count(in: .failing(status: 503)) == 3, "the first file, three attempts; the rest not tried")
                #expect(FileManager.default.fileExists(atPath: localDir.appendingPathComponent("index.json").path), "local files kept")

                await s3.set(.healthy)
                let upload = try await manager.uploadDataset(id: dataset.id, tenantID: "tenant-a")
                #expect(upload.removedLocal && upload.files.last?.key.hasSuffix("/index.json") == true)
                for file in upload.files { #expect(await s3.object("/training/" + file.key)?.count == file.bytes, "\(file.key)") }
            }
        }
    }

    @Test("a 4xx from S3 (not S3's fault) is not a fault episode")
    func s3ClientErrorIsNoFault() async throws {
        let s3 = FlakyS3Server()
        try await s3.run { url in
            let client = S3Client(
                configuration: S3Configuration(
                    endpoint: try #require(URL(string: url)), credentials: S3Credentials(accessKeyID: "a", secretAccessKey: "b"),
                    retry: S3RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), requestTimeout: .seconds(10))))
            let episodes = Episodes()
            let store = FaultRecordingBlobStore(S3BlobStore(client: client, bucket: "hangar-shots"), onEpisode: { episodes.record($0, $1) })
            await s3.set(.failing(status: 403))
            await #expect(throws: S3Error.self) { try await store.put("k", data: Data("x".utf8), contentType: "text/plain") }
            #expect(await s3.count(in: .failing(status: 403)) == 1, "not retried")
            #expect(episodes.list.isEmpty)
        }
    }
}
