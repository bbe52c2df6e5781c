import Foundation
import HangarCapture
import HangarCore

/// Records episodes as the executor drives them.
actor FakeCapture: EpisodeRecorderFactory {
    private(set) var starts: [EpisodeStart] = []
    private(set) var recorders: [FakeRecorder] = []

    func startEpisode(_ start: EpisodeStart, frames: @escaping FrameSource) async throws -> any EpisodeRecorder {
        starts.append(start)
        // The frame source must give the environment's screen.
        let sampled = try await frames()
        let recorder = FakeRecorder(id: "ep_\(starts.count)", sampled: sampled)
        recorders.append(recorder)
        return recorder
    }
}

actor FakeRecorder: EpisodeRecorder {
    nonisolated let id: String
    let sampled: Data
    private(set) var frames: [Data] = []
    private(set) var actions: [(action: JSONValue, raw: String)] = []
    private(set) var finished = false
    private(set) var discarded = false

    init(id: String, sampled: Data) {
        self.id = id
        self.sampled = sampled
    }

    func recordFrame(_ jpeg: Data) async { frames.append(jpeg) }

    func recordAction(_ action: JSONValue, raw: String) async { actions.append((action, raw)) }

    func finish() async throws -> EpisodeSummary {
        finished = true
        return EpisodeSummary(
            id: id, numFrames: frames.count, numActions: actions.count, startedAt: Date(timeIntervalSince1970: 0),
            endedAt: Date(timeIntervalSince1970: 1), status: "written", archiveKey: "episodes/\(id).zip")
    }

    func discard() async { discarded = true }
}
