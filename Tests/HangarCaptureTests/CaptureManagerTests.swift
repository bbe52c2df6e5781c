import Foundation
import HangarBlobs
import HangarCore
import Synchronization
import Testing

@testable import HangarCapture

/// A screen that returns a new real JPEG on every call, and can be told to fail.
actor FakeScreen {
    private(set) var calls = 0
    private(set) var concurrent = 0
    private(set) var maxConcurrent = 0
    var failEvery: Int?

    init(failEvery: Int? = nil) { self.failEvery = failEvery }

    func capture() async throws -> Data {
        calls += 1
        concurrent += 1
        maxConcurrent = max(maxConcurrent, concurrent)
        defer { concurrent -= 1 }
        try await Task.sleep(for: .milliseconds(5))
        if let failEvery, calls % failEvery == 0 { throw CaptureTestError("screen unavailable") }
        return TestJPEG.make(seed: calls)
    }

    nonisolated var source: FrameSource { { try await self.capture() } }
}

@Suite("Capture manager", .serialized)
struct CaptureManagerTests {
    static func manager(_ dir: URL, _ edit: (inout CaptureConfiguration) -> Void = { _ in }) -> CaptureManager {
        var config = CaptureConfiguration(outputDirectory: dir.appendingPathComponent("mds"), fps: 20, minFrames: 2)
        edit(&config)
        return CaptureManager(configuration: config, blobs: LocalBlobStore(root: dir.appendingPathComponent("blobs")))
    }

    static func start(_ tenant: String = "tenant-a", task: String = "Find the docs", minFrames: Int? = nil, timeout: Double? = nil) -> EpisodeStart {
        EpisodeStart(
            tenantID: tenant, taskID: "task-1", taskDescription: task, screenWidth: 1280, screenHeight: 720, agent: ["model": "showui-2b"],
            minFrames: minFrames, timeoutSeconds: timeout)
    }

    /// Waits until `condition` holds (polling), failing after `timeout`.
    static func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw CaptureTestError("condition not met within \(timeout)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("a recorded episode is sampled, zipped into the blob store and appended to the tenant's dataset")
    func recordAndWrite() async throws {
        try await withTemporaryDirectory { dir in
            let manager = Self.manager(dir)
            let screen = FakeScreen(failEvery: 4)
            let recorder = try await manager.startEpisode(Self.start(), frames: screen.source)
            let agentFrame = TestJPEG.make(seed: 999)
            await recorder.recordFrame(agentFrame)
            await recorder.recordFrame(Data("not a jpeg".utf8))
            await recorder.recordAction(["action": "CLICK", "position": [0.5, 0.25]], raw: "CLICK(0.5, 0.25)")
            await recorder.recordAction(["action": "INPUT", "value": "hi"], raw: "INPUT hi")
            try await Self.eventually { await screen.calls >= 8 }
            let summary = try await recorder.finish()

            #expect(summary.status == "written")
            #expect(summary.numActions == 2)
            #expect(summary.numFrames >= 6)
            #expect(await screen.maxConcurrent == 1, "the frame source is never called twice at once")

            let episode = try await manager.episode(id: recorder.id, tenantID: "tenant-a")
            #expect(episode.status == .written)
            #expect(episode.frameErrors >= 2, "failed captures and the non-JPEG frame are counted")
            #expect(episode.endReason == "stopped")
            let key = try #require(episode.archiveKey)
            #expect(key == "capture/tenant-a/episodes/\(recorder.id).zip")

            let zip = try #require(try await LocalBlobStore(root: dir.appendingPathComponent("blobs")).get(key))
            let entries = try unzip(zip)
            let frames = try ndjson(entries["frames.ndjson"])
            #expect(frames.count == episode.numFrames)
            #expect(entries.keys.filter { $0.hasPrefix("frames/") }.count == episode.numFrames)
            #expect(entries.values.contains(agentFrame))
            let times = frames.compactMap { $0["ts"]?.doubleValue }
            #expect(times == times.sorted(), "frame timestamps are on one clock, in order")
            let actions = try ndjson(entries["actions.ndjson"])
            #expect(actions.map { $0["raw"] } == ["CLICK(0.5, 0.25)", "INPUT hi"])
            let start = try #require(times.first)
            #expect(actions.allSatisfy { ($0["ts"]?.doubleValue ?? 0) >= start - 60 && ($0["ts"]?.doubleValue ?? 0) <= Date().timeIntervalSince1970 })
            let meta = try JSONText.decode(bytes: Array(try #require(entries["meta.json"])))
            #expect(meta["task"] == "Find the docs")
            #expect(meta["screen"] == ["width": 1280, "height": 720])

            // The sampler stopped: no more calls after finish.
            let calls = await screen.calls
            try await Task.sleep(for: .milliseconds(200))
            #expect(await screen.calls <= calls + 1)

            let datasets = try await manager.datasets(tenantID: "tenant-a")
            #expect(datasets.count == 1)
            let dataset = try #require(datasets.first)
            #expect(dataset.samples == 1 && dataset.shards == 1 && dataset.isOpen && dataset.bytes > 0)
            let read = try await MosaicReader.read(URL(fileURLWithPath: try #require(dataset.localPath)))
            #expect(read.samples.count == 1)
            let sample = try #require(read.samples.first)
            #expect(sample["episode_id"] == .string(recorder.id))
            #expect(sample["task"] == "Find the docs")
            #expect(sample["num_frames"] == .int(Int64(episode.numFrames)))
            #expect(sample["num_actions"] == 2)
            #expect(sample["screen_w"] == 1280 && sample["screen_h"] == 720)
            #expect(sample["agent"] == ["model": "showui-2b"])
            #expect(sample["payload"] == MDSValue.bytes(zip).readBack)
            #expect(sample["started_at"] == meta["started_at"] && sample["ended_at"] == meta["ended_at"])

            // Finishing again returns the same episode.
            #expect(try await manager.finishEpisode(id: recorder.id, tenantID: "tenant-a").status == .written)
        }
    }

    @Test("each started episode is told to the process's metrics once; a refused start is not")
    func startedHook() async throws {
        try await withTemporaryDirectory { dir in
            let count = Mutex(0)
            let manager = CaptureManager(
                configuration: CaptureConfiguration(outputDirectory: dir.appendingPathComponent("mds"), fps: 20, minFrames: 2),
                blobs: LocalBlobStore(root: dir.appendingPathComponent("blobs")), started: { count.withLock { $0 += 1 } })
            let screen = FakeScreen()
            let first = try await manager.beginEpisode(Self.start(), frames: screen.source)
            let second = try await manager.beginEpisode(Self.start(task: "Another"), frames: screen.source)
            await #expect(throws: (any Error).self) { try await manager.beginEpisode(Self.start(task: "  "), frames: screen.source) }
            #expect(count.withLock { $0 } == 2)
            _ = try await manager.discardEpisode(id: first.id, tenantID: "tenant-a")
            _ = try await manager.discardEpisode(id: second.id, tenantID: "tenant-a")
        }
    }

    @Test("too few frames: dropped, nothing written; discard: nothing written")
    func droppedAndDiscarded() async throws {
        try await withTemporaryDirectory { dir in
            let manager = Self.manager(dir) { $0.fps = 0.1 }
            let screen = FakeScreen()
            let short = try await manager.startEpisode(Self.start(minFrames: 50), frames: screen.source)
            #expect(try await short.finish().status == "dropped")
            let discarded = try await manager.startEpisode(Self.start(), frames: screen.source)
            for seed in 0..<5 { await discarded.recordFrame(TestJPEG.make(seed: seed)) }
            await discarded.discard()
            #expect(try await manager.episode(id: discarded.id, tenantID: "tenant-a").status == .discarded)
            #expect(try await manager.episode(id: short.id, tenantID: "tenant-a").archiveKey == nil)
            #expect(try await LocalBlobStore(root: dir.appendingPathComponent("blobs")).list(prefix: "").isEmpty)
            #expect(try await manager.datasets(tenantID: "tenant-a").isEmpty)
        }
    }

    @Test("timeout_seconds finishes an episode on its own")
    func timeout() async throws {
        try await withTemporaryDirectory { dir in
            let manager = Self.manager(dir)
            let recorder = try await manager.startEpisode(Self.start(timeout: 0.5), frames: FakeScreen().source)
            try await Self.eventually { try await manager.episode(id: recorder.id, tenantID: "tenant-a").status != .recording }
            let episode = try await manager.episode(id: recorder.id, tenantID: "tenant-a")
            #expect(episode.status == .written)
            #expect(episode.endReason == "timeout")
            #expect(try await manager.datasets(tenantID: "tenant-a").first?.samples == 1)
        }
    }

    @Test("tenants see only their own episodes and datasets")
    func tenantIsolation() async throws {
        try await withTemporaryDirectory { dir in
            let manager = Self.manager(dir)
            let a = try await manager.startEpisode(Self.start("tenant-a"), frames: FakeScreen().source)
            let b = try await manager.startEpisode(Self.start("../tenant b"), frames: FakeScreen().source)
            try await Self.eventually {
                let framesA = try await manager.episode(id: a.id, tenantID: "tenant-a").numFrames
                let framesB = try await manager.episode(id: b.id, tenantID: "../tenant b").numFrames
                return framesA >= 3 && framesB >= 3
            }
            await #expect(throws: HangarError.notFound(resource: "episode", id: a.id)) { try await manager.episode(id: a.id, tenantID: "../tenant b") }
            await #expect(throws: HangarError.self) { try await manager.finishEpisode(id: a.id, tenantID: "other") }
            await #expect(throws: HangarError.self) { try await manager.discardEpisode(id: b.id, tenantID: "tenant-a") }
            #expect(await manager.episodes(tenantID: "tenant-a").map(\.id) == [a.id])
            _ = try await a.finish()
            _ = try await b.finish()
            #expect(try await manager.datasets(tenantID: "tenant-a").map(\.samples) == [1])
            #expect(try await manager.datasets(tenantID: "nobody").isEmpty)
            let bDir = try #require(try await manager.datasets(tenantID: "../tenant b").first?.localPath)
            #expect(bDir.hasPrefix(dir.appendingPathComponent("mds").path + "/t-"), "an unsafe tenant id becomes a digest: \(bDir)")
            await #expect(throws: HangarError.self) {
                _ = try await manager.uploadDataset(id: try #require(try await manager.datasets(tenantID: "tenant-a").first?.id), tenantID: "nobody")
            }
        }
    }

    @Test("settings: defaults from the configuration, per-tenant updates validated as a whole")
    func settings() async throws {
        try await withTemporaryDirectory { dir in
            let manager = Self.manager(dir)
            #expect(await manager.settings(tenantID: "a").options == CaptureOptions(fps: 20, jpegQuality: 85, minFrames: 2, timeoutSeconds: 900))
            let updated = try await manager.update(
                tenantID: "a", CaptureSettingsUpdate(fps: 1, jpegQuality: 70, minFrames: 3, timeoutSeconds: 60, remote: "s3://bucket/x", keepLocal: false))
            #expect(updated.options == CaptureOptions(fps: 1, jpegQuality: 70, minFrames: 3, timeoutSeconds: 60))
            #expect(updated.remote == CaptureRemote(bucket: "bucket", prefix: "x") && !updated.keepLocal)
            #expect(await manager.settings(tenantID: "b").options.fps == 20, "other tenants keep the defaults")
            await #expect(throws: HangarError.invalid(field: "fps", message: "must be in (0, 30]")) {
                try await manager.update(tenantID: "a", CaptureSettingsUpdate(fps: 0, jpegQuality: 50))
            }
            await #expect(throws: HangarError.self) { try await manager.update(tenantID: "a", CaptureSettingsUpdate(remote: "http://bucket")) }
            #expect(await manager.settings(tenantID: "a").options.jpegQuality == 70, "a rejected update changes nothing")
            #expect(try await manager.update(tenantID: "a", CaptureSettingsUpdate(remote: "")).remote == nil)
            await #expect(throws: HangarError.self) { try await manager.startEpisode(Self.start(timeout: -1), frames: FakeScreen().source) }
            await #expect(throws: HangarError.self) { try await manager.startEpisode(Self.start(task: "  "), frames: FakeScreen().source) }
        }
    }

    @Test("a dataset uploads to moto: index.json and shards land in the bucket, local copies go when keep_local is off")
    func upload() async throws {
        try await MotoServer.with { moto in
            try await withTemporaryDirectory { dir in
                try await S3Client(configuration: moto.configuration).createBucket("training")
                let manager = Self.manager(dir) {
                    $0.remote = CaptureRemote(bucket: "training", prefix: "hangar/mds")
                    $0.s3 = moto.configuration
                    $0.shardSizeLimit = 4000
                }
                try await manager.update(tenantID: "tenant-a", CaptureSettingsUpdate(keepLocal: false))
                for seed in 0..<3 {
                    let recorder = try await manager.startEpisode(Self.start(), frames: FakeScreen().source)
                    for frame in 0..<4 { await recorder.recordFrame(TestJPEG.make(seed: seed * 10 + frame)) }
                    #expect(try await recorder.finish().status == "written")
                }
                let dataset = try #require(try await manager.datasets(tenantID: "tenant-a").first)
                #expect(dataset.samples == 3 && dataset.shards >= 2)
                let localDir = URL(fileURLWithPath: try #require(dataset.localPath))
                let expected = try await MosaicReader.read(localDir)

                let upload = try await manager.uploadDataset(id: dataset.id, tenantID: "tenant-a")
                #expect(upload.remoteURL == "s3://training/hangar/mds/tenant-a/\(dataset.id)")
                #expect(upload.files.last?.key == "hangar/mds/tenant-a/\(dataset.id)/index.json")
                #expect(upload.files.count == dataset.shards + 1)
                #expect(upload.removedLocal)

                let client = S3Client(configuration: moto.configuration)
                let objects = try await client.listObjects(bucket: "training", prefix: "hangar/mds/tenant-a/\(dataset.id)/")
                #expect(Set(objects.map(\.key)) == Set(upload.files.map(\.key)))
                #expect(objects.map(\.size).reduce(0, +) == Int64(upload.files.map(\.bytes).reduce(0, +)))

                // What is in the bucket is a dataset MosaicML reads: download it and decode.
                let downloaded = dir.appendingPathComponent("downloaded")
                try FileManager.default.createDirectory(at: downloaded, withIntermediateDirectories: true)
                for object in objects {
                    let data = try #require(try await client.getObject(bucket: "training", key: object.key))
                    try data.write(to: downloaded.appendingPathComponent(String(object.key.split(separator: "/").last ?? "")))
                }
                let fromBucket = try await MosaicReader.read(downloaded)
                #expect(fromBucket.samples == expected.samples)

                #expect(!FileManager.default.fileExists(atPath: localDir.appendingPathComponent("index.json").path))
                let listed = try #require(try await manager.datasets(tenantID: "tenant-a").first { $0.id == dataset.id })
                #expect(listed.remoteURL == upload.remoteURL && listed.uploadedAt != nil && listed.localPath == nil && !listed.isOpen)
                #expect(listed.samples == 3)
                await #expect(throws: HangarError.self) { try await manager.uploadDataset(id: dataset.id, tenantID: "tenant-a") }

                // The next episode opens a new dataset.
                let next = try await manager.startEpisode(Self.start(), frames: FakeScreen().source)
                for frame in 0..<4 { await next.recordFrame(TestJPEG.make(seed: 100 + frame)) }
                _ = try await next.finish()
                let after = try await manager.datasets(tenantID: "tenant-a")
                #expect(after.count == 2)
                #expect(after.filter(\.isOpen).map(\.samples) == [1])
            }
        }
    }

    @Test("upload without a remote or credentials says which setting is missing")
    func uploadNeedsRemote() async throws {
        try await withTemporaryDirectory { dir in
            let manager = Self.manager(dir)
            let recorder = try await manager.startEpisode(Self.start(), frames: FakeScreen().source)
            for frame in 0..<4 { await recorder.recordFrame(TestJPEG.make(seed: frame)) }
            _ = try await recorder.finish()
            let id = try #require(try await manager.datasets(tenantID: "tenant-a").first?.id)
            do {
                _ = try await manager.uploadDataset(id: id, tenantID: "tenant-a")
                Issue.record("no remote configured")
            } catch let HangarError.invalid(field, _) {
                #expect(field == "remote")
            }
            try await manager.update(tenantID: "tenant-a", CaptureSettingsUpdate(remote: "s3://bucket"))
            do {
                _ = try await manager.uploadDataset(id: id, tenantID: "tenant-a")
                Issue.record("no credentials configured")
            } catch let HangarError.invalid(field, _) {
                #expect(field.contains("ACCESS_KEY_ID"))
            }
            await #expect(throws: HangarError.notFound(resource: "dataset", id: "20990101T000000Z-000000")) {
                try await manager.uploadDataset(id: "20990101T000000Z-000000", tenantID: "tenant-a")
            }
        }
    }
}
