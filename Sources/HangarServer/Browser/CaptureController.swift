import Foundation
import HangarErrorText
import HangarAuth
import HangarBlobs
import HangarBrowser
import HangarCapture
import HangarCore
import HangarStore
import Hummingbird
import NIOCore

/// Training-data capture (seed 000's capture API, seed 001's format): episodes recorded from a
/// persistent session's screen, the tenant's MDS datasets, their upload, and the settings.
/// Browser tasks with `options.enable_capture` record episodes of their own through the same
/// manager; these routes show them too.
struct CaptureController {
    let capture: CaptureManager
    let sessions: BrowserSessionRegistry?
    let configuration: ServerConfiguration
    /// Sessions held by other processes (a shared database).
    var directory: SessionDirectory? = nil

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.post("/api/v1/capture/episodes", use: start)
        router.get("/api/v1/capture/episodes", use: list)
        router.get("/api/v1/capture/episodes/{episode_id}", use: get)
        router.delete("/api/v1/capture/episodes/{episode_id}", use: stop)
        router.get("/api/v1/capture/datasets", use: datasets)
        router.post("/api/v1/capture/datasets/{dataset_id}/upload", use: upload)
        router.get("/api/v1/capture/config", use: getConfig)
        router.put("/api/v1/capture/config", use: putConfig)
    }

    /// `{"task_description", "session_id" | "neko_session_id", "capture_options": {"fps",
    /// "jpeg_quality", "min_frames", "timeout_seconds"}}`: frames are sampled from the
    /// session's screen until the episode is stopped (`DELETE`) or times out.
    @Sendable func start(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: ["task_description", "session_id", "neko_session_id", "capture_options"])
        guard let description = try body.string("task_description", maxLength: 10_000),
            !description.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else { throw APIError.invalid("task_description", "is required: what the episode shows") }
        let sessionField = body.has("session_id") ? "session_id" : "neko_session_id"
        guard let sessionID = try body.string(sessionField, maxLength: 200) else {
            throw APIError.invalid("session_id", "is required: the persistent session (POST /api/v1/sessions) whose screen is recorded")
        }
        let session = try await source(sessionID, tenantID: context.tenantID)
        var optionFields: [String: JSONValue] = [:]
        if case .object(let fields)? = try body.object("capture_options") { optionFields = fields }
        let options = JSONBody(fields: optionFields)
        let prefix = "capture_options."
        let tenantID = context.tenantID
        let quality = try options.int("jpeg_quality", in: 1...100, prefix: prefix)
        let configuredQuality = await capture.settings(tenantID: tenantID).options.jpegQuality
        let effectiveQuality = quality ?? configuredQuality
        let start = EpisodeStart(
            tenantID: tenantID, taskDescription: description, screenWidth: session.screen.width, screenHeight: session.screen.height,
            agent: ["session_id": .string(session.id), "environment": .string(session.kind), "source": "api"],
            fps: try options.double("fps", in: 0.01...30, prefix: prefix), jpegQuality: quality,
            minFrames: try options.int("min_frames", in: 0...100_000, prefix: prefix),
            timeoutSeconds: try options.double("timeout_seconds", in: 1...86_400, prefix: prefix))
        let frames = session.frames
        let episode = try await capture.beginEpisode(start) { try await frames(effectiveQuality) }
        var json = Self.json(episode)
        if case .object(var fields) = json {
            fields["session_id"] = .string(session.id)
            // A rough guide for disk planning: a JPEG frame at this size and quality, times the
            // frames the timeout allows.
            let frameBytes = Double(session.screen.width * session.screen.height) * (0.05 + Double(effectiveQuality) / 400)
            let frames = episode.options.fps * episode.options.timeoutSeconds
            fields["estimated_size_mb"] = .double((frameBytes * frames / 1_048_576 * 10).rounded() / 10)
            json = .object(fields)
        }
        return JSONResponse.make(json, status: .created)
    }

    /// What an episode needs of its session: its shape, and its screen on demand.
    struct FrameSource: Sendable {
        var id: String
        var kind: String
        var screen: ScreenSize
        var frames: @Sendable (_ quality: Int) async throws -> Data
    }

    /// The session here, or (with a directory) in the process that owns it: its frames are then
    /// read from the owner's internal listener, so an API replica records episodes too.
    private func source(_ id: String, tenantID: String) async throws -> FrameSource {
        if let sessions, let local = try? await sessions.get(id: id, tenantID: tenantID) {
            return FrameSource(id: local.id, kind: local.kind, screen: local.screen) { quality in
                try await sessions.screenshot(id: id, tenantID: tenantID, quality: quality)
            }
        }
        guard let directory, let owner = try await directory.liveOwner(of: id, tenantID: tenantID), owner.processID != directory.processID,
            let url = owner.internalURL
        else {
            if sessions == nil && directory == nil { throw APIError(.serviceUnavailable, "this server keeps no browser sessions") }
            throw APIError.notFound("session", id)
        }
        let reply = try await directory.send(.get, path: "/sessions/\(id)", tenantID: tenantID, to: url, processID: owner.processID, session: id)
        guard reply.status == 200, let json = try? JSONText.decode(String(buffer: reply.body)),
            let width = json["screen"]?["width"]?.intValue, let height = json["screen"]?["height"]?.intValue
        else { throw APIError(.badGateway, "process '\(owner.processID)' holding session '\(id)' answered \(reply.status)") }
        return FrameSource(id: id, kind: json["kind"]?.stringValue ?? "cdp", screen: ScreenSize(width: width, height: height)) { quality in
            let shot = try await directory.send(
                .get, path: "/sessions/\(id)/screenshot", query: "quality=\(quality)", tenantID: tenantID, to: url, processID: owner.processID, session: id)
            guard shot.status == 200 else { throw APIError(.badGateway, "process '\(owner.processID)' answered \(shot.status) for a frame of '\(id)'") }
            return Data(shot.body.readableBytesView)
        }
    }

    @Sendable func list(_ request: Request, context: HangarRequestContext) async throws -> Response {
        JSONResponse.make(["episodes": .array(await capture.episodes(tenantID: context.tenantID).map(Self.json))])
    }

    @Sendable func get(_ request: Request, context: HangarRequestContext) async throws -> Response {
        JSONResponse.make(Self.json(try await capture.episode(id: try context.parameters.decoded("episode_id"), tenantID: context.tenantID)))
    }

    /// Stops recording and writes the episode (`?discard=true` throws it away instead).
    @Sendable func stop(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("episode_id")
        let episode =
            try Query(request).bool("discard", default: false)
            ? try await capture.discardEpisode(id: id, tenantID: context.tenantID)
            : try await capture.finishEpisode(id: id, tenantID: context.tenantID)
        return JSONResponse.make(Self.json(episode))
    }

    @Sendable func datasets(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let list = try await capture.datasets(tenantID: context.tenantID)
        return JSONResponse.make(["datasets": .array(list.map(Self.json))])
    }

    @Sendable func upload(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("dataset_id")
        let upload: DatasetUpload
        do {
            upload = try await capture.uploadDataset(id: id, tenantID: context.tenantID)
        } catch let error as HangarError {
            throw error
        } catch let error as S3Error where error.isS3Side {
            // S3 down or silent after every retry: passes by itself; the local files are kept.
            throw APIError(
                .serviceUnavailable, "the upload of dataset '\(id)' failed, its local files are kept: \(error)", headers: [.retryAfter: "30"])
        } catch {
            throw APIError(.badGateway, "the upload of dataset '\(id)' failed: \(ErrorText.describe(error))")
        }
        return JSONResponse.make([
            "dataset_id": .string(upload.datasetID), "remote": .string(upload.remoteURL), "bucket": .string(upload.bucket),
            "files": .array(upload.files.map { ["key": .string($0.key), "bytes": .int(Int64($0.bytes))] }),
            "samples": .int(Int64(upload.samples)), "uploaded_at": .string(Timestamp.format(upload.uploadedAt)),
            "removed_local": .bool(upload.removedLocal),
        ])
    }

    @Sendable func getConfig(_ request: Request, context: HangarRequestContext) async throws -> Response {
        JSONResponse.make(Self.json(await capture.settings(tenantID: context.tenantID)))
    }

    /// The capture settings a tenant can change.
    static let settings: Set<String> = ["fps", "jpeg_quality", "min_frames", "timeout_seconds", "remote", "keep_local"]

    /// Changes the tenant's capture settings. The remote (where uploads go, with the server's
    /// credentials) only for the system administrator.
    @Sendable func putConfig(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: Self.settings)
        let remote = try body.string("remote", maxLength: 2048)
        if remote != nil, context.principal?.isSystemAdmin != true {
            throw APIError(.forbidden, "only the system administrator changes where datasets are uploaded (remote)")
        }
        let update = CaptureSettingsUpdate(
            fps: try body.double("fps", in: 0.01...30), jpegQuality: try body.int("jpeg_quality", in: 1...100),
            minFrames: try body.int("min_frames", in: 0...100_000), timeoutSeconds: try body.double("timeout_seconds", in: 1...86_400),
            remote: remote, keepLocal: try body.bool("keep_local"))
        return JSONResponse.make(Self.json(try await capture.update(tenantID: context.tenantID, update)))
    }

    static func json(_ episode: CaptureEpisode) -> JSONValue {
        [
            "episode_id": .string(episode.id), "status": .string(episode.status.rawValue), "task_description": .string(episode.task),
            "task_id": episode.taskID.map(JSONValue.string) ?? .null, "num_frames": .int(Int64(episode.numFrames)),
            "num_actions": .int(Int64(episode.numActions)), "frame_errors": .int(Int64(episode.frameErrors)),
            "started_at": .string(Timestamp.format(episode.startedAt)), "ended_at": episode.endedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "end_reason": episode.endReason.map(JSONValue.string) ?? .null, "archive_key": episode.archiveKey.map(JSONValue.string) ?? .null,
            "dataset_id": episode.datasetID.map(JSONValue.string) ?? .null, "error": episode.error.map(JSONValue.string) ?? .null,
            "capture_options": json(episode.options),
        ]
    }

    static func json(_ options: CaptureOptions) -> JSONValue {
        [
            "fps": .double(options.fps), "jpeg_quality": .int(Int64(options.jpegQuality)), "min_frames": .int(Int64(options.minFrames)),
            "timeout_seconds": .double(options.timeoutSeconds),
        ]
    }

    static func json(_ dataset: CaptureDataset) -> JSONValue {
        [
            "dataset_id": .string(dataset.id), "samples": .int(Int64(dataset.samples)), "shards": .int(Int64(dataset.shards)),
            "bytes": .int(Int64(dataset.bytes)), "open": .bool(dataset.isOpen),
            "remote": dataset.remoteURL.map(JSONValue.string) ?? .null,
            "uploaded_at": dataset.uploadedAt.map { .string(Timestamp.format($0)) } ?? .null,
        ]
    }

    static func json(_ settings: CaptureSettings) -> JSONValue {
        [
            "fps": .double(settings.options.fps), "jpeg_quality": .int(Int64(settings.options.jpegQuality)),
            "min_frames": .int(Int64(settings.options.minFrames)), "timeout_seconds": .double(settings.options.timeoutSeconds),
            "remote": settings.remote.map { .string($0.description) } ?? .null, "keep_local": .bool(settings.keepLocal),
            "compression": .string(settings.compression), "shard_size_limit": .int(Int64(settings.shardSizeLimit)),
            "hashes": .array(settings.hashes.map(JSONValue.string)),
        ]
    }
}
