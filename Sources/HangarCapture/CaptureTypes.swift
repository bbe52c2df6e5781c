public import Foundation
import HangarCore

public enum CaptureEpisodeStatus: String, Sendable, Hashable, Codable {
    /// Frames and actions are being collected.
    case recording
    /// The zip is stored and its sample appended to the tenant's dataset.
    case written
    /// Finished with fewer than `min_frames` frames: nothing was written.
    case dropped
    /// Thrown away on request (the task failed or was cancelled).
    case discarded
    /// Writing the archive or the sample failed; `error` says why.
    case failed
}

/// An episode as the API shows it.
public struct CaptureEpisode: Sendable, Hashable {
    public var id: String
    public var tenantID: String
    public var taskID: String?
    public var task: String
    public var status: CaptureEpisodeStatus
    public var numFrames: Int
    public var numActions: Int
    /// Frame-source calls that failed (counted, never fatal to the episode).
    public var frameErrors: Int
    public var startedAt: Date
    public var endedAt: Date?
    /// Why it ended: `stopped`, `timeout`, `shutdown`, `discarded`.
    public var endReason: String?
    /// Blob key of the episode zip, once written.
    public var archiveKey: String?
    /// The dataset the episode's sample went to, once written.
    public var datasetID: String?
    public var error: String?
    public var options: CaptureOptions
}

/// The capture settings of one episode (`capture_options`), resolved against the tenant's.
public struct CaptureOptions: Sendable, Hashable {
    public var fps: Double
    public var jpegQuality: Int
    public var minFrames: Int
    public var timeoutSeconds: Double

    public init(fps: Double, jpegQuality: Int, minFrames: Int, timeoutSeconds: Double) {
        self.fps = fps
        self.jpegQuality = jpegQuality
        self.minFrames = minFrames
        self.timeoutSeconds = timeoutSeconds
    }

    /// Errors name the API field (`capture_options.fps`, …) with `prefix`.
    public func validate(prefix: String = "capture_options.") throws {
        guard fps.isFinite, fps > 0, fps <= 30 else { throw HangarError.invalid(field: prefix + "fps", message: "must be in (0, 30]") }
        guard (1...100).contains(jpegQuality) else { throw HangarError.invalid(field: prefix + "jpeg_quality", message: "must be in 1…100") }
        guard (0...100_000).contains(minFrames) else { throw HangarError.invalid(field: prefix + "min_frames", message: "must be in 0…100000") }
        guard timeoutSeconds.isFinite, timeoutSeconds > 0, timeoutSeconds <= 86_400 else {
            throw HangarError.invalid(field: prefix + "timeout_seconds", message: "must be in (0, 86400]")
        }
    }
}

/// A tenant's capture settings (`GET /capture/config`). The first four and `remote` /
/// `keepLocal` can be changed per tenant; the rest are the process's.
public struct CaptureSettings: Sendable, Hashable {
    public var options: CaptureOptions
    public var remote: CaptureRemote?
    public var keepLocal: Bool
    public var compression: String
    public var shardSizeLimit: Int
    public var hashes: [String]
}

/// `PUT /capture/config`: `nil` leaves a field as it is; `remote: ""` clears the remote.
public struct CaptureSettingsUpdate: Sendable, Hashable {
    public var fps: Double?
    public var jpegQuality: Int?
    public var minFrames: Int?
    public var timeoutSeconds: Double?
    public var remote: String?
    public var keepLocal: Bool?

    public init(
        fps: Double? = nil, jpegQuality: Int? = nil, minFrames: Int? = nil, timeoutSeconds: Double? = nil, remote: String? = nil,
        keepLocal: Bool? = nil
    ) {
        self.fps = fps
        self.jpegQuality = jpegQuality
        self.minFrames = minFrames
        self.timeoutSeconds = timeoutSeconds
        self.remote = remote
        self.keepLocal = keepLocal
    }
}

/// One MDS dataset of a tenant.
public struct CaptureDataset: Sendable, Hashable {
    public var id: String
    public var samples: Int
    public var shards: Int
    /// Bytes of the shard files.
    public var bytes: Int
    /// The dataset directory, while its files are kept locally.
    public var localPath: String?
    /// Still receiving episodes (the newest dataset that was not uploaded).
    public var isOpen: Bool
    public var remoteURL: String?
    public var uploadedAt: Date?
}

/// What `uploadDataset` put where.
public struct DatasetUpload: Sendable, Hashable {
    public struct File: Sendable, Hashable {
        public var key: String
        public var bytes: Int
    }

    public var datasetID: String
    public var remoteURL: String
    public var bucket: String
    /// Shards first, `index.json` last (a reader never sees an index naming a missing shard).
    public var files: [File]
    public var samples: Int
    public var uploadedAt: Date
    /// Local shards and index were deleted (`keep_local` false).
    public var removedLocal: Bool
}
