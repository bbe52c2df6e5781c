public import AsyncHTTPClient
import HangarErrorText
import Crypto
import Foundation
public import HangarBlobs
import HangarCore
import HangarTimers
public import Logging

/// Records episodes and turns them into training data, per tenant.
///
/// An episode starts with a frame source (`startEpisode`): a task samples it at `fps`, one call
/// at a time, while the agent adds its own frames and actions through the returned recorder.
/// It ends by `finish` (recorder or `finishEpisode`), by `timeout_seconds` after its start, or
/// by `discard`. A finished episode with at least `min_frames` frames is zipped (seed 001),
/// stored in the blob store under `capture/{tenant}/episodes/{id}.zip` and appended as one
/// sample to the tenant's open MDS dataset; a shorter one is `dropped` and nothing is written.
///
/// Every call takes the caller's tenant: a tenant sees and touches only its own episodes and
/// datasets (another tenant's id is "not found").
public actor CaptureManager: EpisodeRecorderFactory {
    public let configuration: CaptureConfiguration
    let blobs: any BlobStore
    let httpClient: HTTPClient
    let logger: Logger
    /// Most episodes recording at once, over all tenants (each holds its frames in memory).
    public let maxRecording: Int
    /// Finished episodes remembered for `episode(id:)`; the oldest are forgotten first.
    public let historyLimit: Int
    /// Told of each episode that starts recording (the process's metrics count them).
    let started: (@Sendable () -> Void)?

    private var episodes: [String: EpisodeState] = [:]
    private var finishedOrder: [String] = []
    private var tenantSettings: [String: CaptureSettings] = [:]
    private var datasets: [String: TenantDatasets] = [:]

    public init(
        configuration: CaptureConfiguration, blobs: any BlobStore, httpClient: HTTPClient = .shared, maxRecording: Int = 64,
        historyLimit: Int = 1000, logger: Logger = Logger(label: "hangar.capture"), started: (@Sendable () -> Void)? = nil
    ) {
        self.started = started
        self.configuration = configuration
        self.blobs = blobs
        self.httpClient = httpClient
        self.maxRecording = maxRecording
        self.historyLimit = historyLimit
        self.logger = logger
    }

    // MARK: - Episodes

    public func startEpisode(_ start: EpisodeStart, frames: @escaping FrameSource) async throws -> any EpisodeRecorder {
        let episode = try beginEpisode(start, frames: frames)
        return CaptureRecorder(id: episode.id, tenantID: episode.tenantID, manager: self)
    }

    /// Starts an episode (`POST /capture/episodes`) and returns it as the API shows it.
    public func beginEpisode(_ start: EpisodeStart, frames: @escaping FrameSource) throws -> CaptureEpisode {
        let defaults = settings(tenantID: start.tenantID).options
        let options = CaptureOptions(
            fps: start.fps ?? defaults.fps, jpegQuality: start.jpegQuality ?? defaults.jpegQuality,
            minFrames: start.minFrames ?? defaults.minFrames, timeoutSeconds: start.timeoutSeconds ?? defaults.timeoutSeconds)
        try options.validate()
        guard !start.taskDescription.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw HangarError.invalid(field: "task_description", message: "must not be empty")
        }
        guard start.screenWidth >= 0, start.screenHeight >= 0 else {
            throw HangarError.invalid(field: "screen", message: "width and height must not be negative")
        }
        let recording = episodes.values.filter { $0.info.status == .recording }.count
        guard recording < maxRecording else {
            throw HangarError.conflict("\(recording) episodes are recording; finish one before starting another")
        }
        let id = UUID().uuidString.lowercased()
        let info = CaptureEpisode(
            id: id, tenantID: start.tenantID, taskID: start.taskID, task: start.taskDescription, status: .recording, numFrames: 0,
            numActions: 0, frameErrors: 0, startedAt: Date(), endedAt: nil, endReason: nil, archiveKey: nil, datasetID: nil, error: nil,
            options: options)
        var state = EpisodeState(info: info, screenWidth: start.screenWidth, screenHeight: start.screenHeight, agent: start.agent)
        state.sampler = Task { [weak self] in await Self.sample(frames, every: 1 / options.fps, into: id, manager: self) }
        state.timer = Task { [weak self] in
            try? await Timers.sleep(for: .milliseconds(Int64(options.timeoutSeconds * 1000)))
            guard !Task.isCancelled, let self else { return }
            _ = try? await self.end(id: id, tenantID: start.tenantID, reason: "timeout")
        }
        episodes[id] = state
        started?()
        logger.info("capture episode started", metadata: ["episode": "\(id)", "tenant": "\(start.tenantID)"])
        return info
    }

    public func episode(id: String, tenantID: String) throws -> CaptureEpisode {
        try state(id, tenantID).info
    }

    /// The tenant's episodes, newest first.
    public func episodes(tenantID: String) -> [CaptureEpisode] {
        episodes.values.filter { $0.info.tenantID == tenantID }.map(\.info).sorted { $0.startedAt > $1.startedAt }
    }

    /// Stops recording and writes the episode (or drops it when too short). Finishing an episode
    /// that already ended returns it as it is.
    @discardableResult
    public func finishEpisode(id: String, tenantID: String) async throws -> CaptureEpisode {
        try await end(id: id, tenantID: tenantID, reason: "stopped")
    }

    /// Stops recording and throws the episode away; nothing is written.
    @discardableResult
    public func discardEpisode(id: String, tenantID: String) throws -> CaptureEpisode {
        var episode = try state(id, tenantID)
        guard episode.info.status == .recording, !episode.closing else { return episode.info }
        episode.stopTimers()
        episode.info.status = .discarded
        episode.info.endedAt = Date()
        episode.info.endReason = "discarded"
        episode.releaseMedia()
        store(episode)
        return episode.info
    }

    /// Finishes every recording episode, as the original does on shutdown.
    public func shutdown() async {
        for (id, episode) in episodes where episode.info.status == .recording {
            _ = try? await end(id: id, tenantID: episode.info.tenantID, reason: "shutdown")
        }
    }

    // MARK: - Recorder callbacks

    func addFrame(_ jpeg: Data, episodeID: String) {
        guard var episode = episodes[episodeID], episode.info.status == .recording, !episode.closing else { return }
        // Only JPEGs go into `frames/*.jpg`; anything else counts as a frame-source error.
        guard jpeg.count > 3, jpeg[jpeg.startIndex] == 0xFF, jpeg[jpeg.startIndex + 1] == 0xD8 else {
            episode.info.frameErrors += 1
            episodes[episodeID] = episode
            return
        }
        episode.frames.append(EpisodeFrame(jpeg: jpeg, ts: Date().timeIntervalSince1970))
        episode.info.numFrames = episode.frames.count
        episodes[episodeID] = episode
    }

    func addAction(_ action: JSONValue, raw: String, episodeID: String) {
        guard var episode = episodes[episodeID], episode.info.status == .recording, !episode.closing else { return }
        episode.actions.append(EpisodeAction(action: action, raw: raw, ts: Date().timeIntervalSince1970))
        episode.info.numActions = episode.actions.count
        episodes[episodeID] = episode
    }

    func countFrameError(_ error: any Error, episodeID: String) {
        guard var episode = episodes[episodeID], episode.info.status == .recording else { return }
        episode.info.frameErrors += 1
        if episode.info.frameErrors == 1 || episode.info.frameErrors % 100 == 0 {
            logger.warning("capture frame source failed", metadata: ["episode": "\(episodeID)", "count": "\(episode.info.frameErrors)", "error": "\(error)"])
        }
        episodes[episodeID] = episode
    }

    /// One sampling loop per episode: a call is never started before the previous one returned,
    /// and a slow source lowers the rate rather than piling up calls.
    private static func sample(_ frames: @escaping FrameSource, every interval: Double, into id: String, manager: CaptureManager?) async {
        let clock = ContinuousClock()
        let step = Duration.milliseconds(Int64(max(interval, 0.001) * 1000))
        var next = clock.now
        while !Task.isCancelled, let manager {
            do {
                let jpeg = try await frames()
                await manager.addFrame(jpeg, episodeID: id)
            } catch is CancellationError {
                return
            } catch {
                await manager.countFrameError(error, episodeID: id)
            }
            next = max(next + step, clock.now)
            try? await Timers.sleep(until: next)
        }
    }

    // MARK: - Ending

    func end(id: String, tenantID: String, reason: String) async throws -> CaptureEpisode {
        var episode = try state(id, tenantID)
        guard episode.info.status == .recording, !episode.closing else { return episode.info }
        episode.closing = true
        episode.sampler?.cancel()
        if reason != "timeout" { episode.timer?.cancel() }
        episode.info.endedAt = Date()
        episode.info.endReason = reason
        store(episode)

        guard episode.frames.count >= episode.info.options.minFrames else {
            episode.info.status = .dropped
            episode.releaseMedia()
            store(episode)
            logger.info("capture episode dropped", metadata: ["episode": "\(id)", "frames": "\(episode.frames.count)", "reason": "\(reason)"])
            return episode.info
        }
        // Writing runs in its own task: a caller that goes away (an HTTP client hanging up)
        // must not cut an archive or a shard in half.
        let snapshot = episode
        let work = Task { try await self.write(snapshot) }
        var blobFault: BlobStoreFault?
        do {
            let (key, datasetID) = try await work.value
            episode.info.status = .written
            episode.info.archiveKey = key
            episode.info.datasetID = datasetID
        } catch {
            episode.info.status = .failed
            episode.info.error = ErrorText.describe(error)
            blobFault = error as? BlobStoreFault
            logger.error("capture episode not written", metadata: ["episode": "\(id)", "error": "\(error)"])
        }
        episode.releaseMedia()
        store(episode)
        // A full or read-only blob store, or S3 down: the caller sees that cause (507/503 with Retry-After).
        if let blobFault { throw blobFault }
        if episode.info.status == .failed { throw HangarError.unavailable("episode '\(id)' could not be written: \(episode.info.error ?? "")") }
        return episode.info
    }

    private func write(_ episode: EpisodeState) async throws -> (archiveKey: String, datasetID: String) {
        let info = episode.info
        let archive = EpisodeArchive(
            episodeID: info.id, task: info.task, startedAt: EpisodeArchive.timestamp(info.startedAt),
            endedAt: EpisodeArchive.timestamp(info.endedAt ?? Date()), screenWidth: episode.screenWidth, screenHeight: episode.screenHeight,
            agent: episode.agent, frames: episode.frames, actions: episode.actions,
            capture: [
                "fps": .double(info.options.fps), "jpeg_quality": .int(Int64(info.options.jpegQuality)),
                "frame_errors": .int(Int64(info.frameErrors)), "end_reason": .string(info.endReason ?? ""),
                "task_id": info.taskID.map { .string($0) } ?? .null,
            ])
        // Zipping megabytes of frames is CPU work: off the actor.
        let payload = try await Task.detached { try archive.zipData() }.value
        let key = "capture/\(Self.tenantDirectory(info.tenantID))/episodes/\(info.id).zip"
        try await blobs.put(key, data: payload, contentType: "application/zip")
        let datasetID = try await datasetsOf(info.tenantID).append(EpisodeSample.make(archive, payload: payload))
        logger.info(
            "capture episode written",
            metadata: ["episode": "\(info.id)", "frames": "\(archive.frames.count)", "actions": "\(archive.actions.count)", "dataset": "\(datasetID)"])
        return (key, datasetID)
    }

    // MARK: - Datasets

    public func datasets(tenantID: String) async throws -> [CaptureDataset] {
        try await datasetsOf(tenantID).list()
    }

    /// Uploads a dataset's shards and `index.json` to the tenant's remote
    /// (`{remote}/{tenant}/{dataset}/`), closing it to new episodes first.
    public func uploadDataset(id: String, tenantID: String) async throws -> DatasetUpload {
        let datasets = datasetsOf(tenantID)
        guard try await datasets.contains(id) else { throw HangarError.notFound(resource: "dataset", id: id) }
        let settings = settings(tenantID: tenantID)
        guard let remote = settings.remote else {
            throw HangarError.invalid(field: "remote", message: "no remote configured (CAPTURE_REMOTE or PUT /capture/config)")
        }
        guard let s3 = configuration.s3 else {
            throw HangarError.invalid(
                field: "CAPTURE_S3_ACCESS_KEY_ID", message: "no S3 credentials (CAPTURE_S3_*, HANGAR_S3_* or AWS_* access key and secret)")
        }
        let client = S3Client(configuration: s3, httpClient: httpClient, logger: logger)
        return try await datasets.upload(
            id, to: remote, tenantDirectory: Self.tenantDirectory(tenantID), client: client, keepLocal: settings.keepLocal)
    }

    // MARK: - Settings

    public func settings(tenantID: String) -> CaptureSettings {
        tenantSettings[tenantID]
            ?? CaptureSettings(
                options: CaptureOptions(
                    fps: configuration.fps, jpegQuality: configuration.jpegQuality, minFrames: configuration.minFrames,
                    timeoutSeconds: configuration.episodeTimeout),
                remote: configuration.remote, keepLocal: configuration.keepLocal, compression: configuration.compression?.name ?? "none",
                shardSizeLimit: configuration.shardSizeLimit, hashes: configuration.hashes)
    }

    /// Changes the tenant's settings; all fields are checked before any is applied.
    @discardableResult
    public func update(tenantID: String, _ update: CaptureSettingsUpdate) throws -> CaptureSettings {
        var next = settings(tenantID: tenantID)
        if let fps = update.fps { next.options.fps = fps }
        if let quality = update.jpegQuality { next.options.jpegQuality = quality }
        if let minFrames = update.minFrames { next.options.minFrames = minFrames }
        if let timeout = update.timeoutSeconds { next.options.timeoutSeconds = timeout }
        if let keepLocal = update.keepLocal { next.keepLocal = keepLocal }
        if let remote = update.remote {
            next.remote = remote.trimmingCharacters(in: .whitespaces).isEmpty ? nil : try CaptureRemote.parse(remote, field: "remote")
        }
        try next.options.validate(prefix: "")
        tenantSettings[tenantID] = next
        return next
    }

    // MARK: - Helpers

    private func state(_ id: String, _ tenantID: String) throws -> EpisodeState {
        guard let episode = episodes[id], episode.info.tenantID == tenantID else { throw HangarError.notFound(resource: "episode", id: id) }
        return episode
    }

    private func store(_ episode: EpisodeState) {
        episodes[episode.info.id] = episode
        guard episode.info.status != .recording else { return }
        finishedOrder.append(episode.info.id)
        while finishedOrder.count > historyLimit {
            let oldest = finishedOrder.removeFirst()
            if episodes[oldest]?.info.status != .recording { episodes[oldest] = nil }
        }
    }

    private func datasetsOf(_ tenantID: String) -> TenantDatasets {
        if let existing = datasets[tenantID] { return existing }
        let created = TenantDatasets(
            root: configuration.outputDirectory.appendingPathComponent(Self.tenantDirectory(tenantID), isDirectory: true),
            compression: configuration.compression, hashes: configuration.hashes, sizeLimit: configuration.shardSizeLimit, logger: logger)
        datasets[tenantID] = created
        return created
    }

    /// A directory (and key segment) name for a tenant: the id itself when it is plainly safe,
    /// otherwise a digest of it, so no tenant id can name a path outside its own.
    public static func tenantDirectory(_ tenantID: String) -> String {
        let safe = !tenantID.isEmpty && tenantID.count <= 64 && !tenantID.hasPrefix(".")
            && tenantID.utf8.allSatisfy { ASCII.isAlphanumeric($0) || $0 == 0x2D || $0 == 0x5F }
        if safe { return tenantID }
        return "t-" + SHA256.hash(data: Data(tenantID.utf8)).prefix(12).map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}

/// An episode's state inside the manager.
struct EpisodeState {
    var info: CaptureEpisode
    var screenWidth: Int
    var screenHeight: Int
    var agent: JSONValue
    var frames: [EpisodeFrame] = []
    var actions: [EpisodeAction] = []
    var sampler: Task<Void, Never>?
    var timer: Task<Void, Never>?
    /// Ending has begun: no more frames or actions are taken.
    var closing = false

    mutating func stopTimers() {
        sampler?.cancel()
        timer?.cancel()
    }

    mutating func releaseMedia() {
        frames = []
        actions = []
        sampler = nil
        timer = nil
    }
}
