public import Foundation
public import HangarCore

/// The seam between an agent that acts on a screen and the capture that records it.
///
/// An agent starts an episode with a frame source (a JPEG of the screen now); the recorder
/// samples it at the configured fps on its own and also keeps the frames and actions the agent
/// hands it, all with timestamps on one clock. `finish` writes the episode (seed 001's zip) and
/// appends it to the current MDS shard.
public protocol EpisodeRecorder: Sendable {
    var id: String { get }
    /// A frame the agent already has (e.g. the screenshot it just sent to the model).
    func recordFrame(_ jpeg: Data) async
    /// One action as performed: the normalised action object and the model's raw text.
    func recordAction(_ action: JSONValue, raw: String) async
    /// Stops sampling, writes the episode and returns what was written.
    func finish() async throws -> EpisodeSummary
    /// Stops sampling and throws the episode away (the task failed or was cancelled).
    func discard() async
}

public protocol EpisodeRecorderFactory: Sendable {
    func startEpisode(_ start: EpisodeStart, frames: @escaping FrameSource) async throws -> any EpisodeRecorder
}

/// A JPEG of the screen as it is now.
public typealias FrameSource = @Sendable () async throws -> Data

public struct EpisodeStart: Sendable {
    public var tenantID: String
    public var taskID: String?
    public var taskDescription: String
    public var screenWidth: Int
    public var screenHeight: Int
    /// The `agent` column: which agent and model produced the episode.
    public var agent: JSONValue
    /// Per-episode overrides of the capture configuration (`capture_options`).
    public var fps: Double?
    public var jpegQuality: Int?
    public var minFrames: Int?
    public var timeoutSeconds: Double?

    public init(
        tenantID: String, taskID: String? = nil, taskDescription: String, screenWidth: Int, screenHeight: Int, agent: JSONValue = .emptyObject,
        fps: Double? = nil, jpegQuality: Int? = nil, minFrames: Int? = nil, timeoutSeconds: Double? = nil
    ) {
        self.tenantID = tenantID
        self.taskID = taskID
        self.taskDescription = taskDescription
        self.screenWidth = screenWidth
        self.screenHeight = screenHeight
        self.agent = agent
        self.fps = fps
        self.jpegQuality = jpegQuality
        self.minFrames = minFrames
        self.timeoutSeconds = timeoutSeconds
    }
}

public struct EpisodeSummary: Sendable, Hashable {
    public var id: String
    public var numFrames: Int
    public var numActions: Int
    public var startedAt: Date
    public var endedAt: Date
    /// `written` (archive and shard sample), or `dropped` (fewer than `min_frames` frames).
    public var status: String
    /// Blob key of the episode zip, when written.
    public var archiveKey: String?

    public init(
        id: String, numFrames: Int, numActions: Int, startedAt: Date, endedAt: Date, status: String, archiveKey: String? = nil
    ) {
        self.id = id
        self.numFrames = numFrames
        self.numActions = numActions
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.status = status
        self.archiveKey = archiveKey
    }
}
