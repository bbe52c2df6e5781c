public import Foundation
public import HangarCore

/// The handle an agent records through; the episode's state lives in the manager.
public struct CaptureRecorder: EpisodeRecorder {
    public let id: String
    public let tenantID: String
    let manager: CaptureManager

    public func recordFrame(_ jpeg: Data) async {
        await manager.addFrame(jpeg, episodeID: id)
    }

    public func recordAction(_ action: JSONValue, raw: String) async {
        await manager.addAction(action, raw: raw, episodeID: id)
    }

    public func finish() async throws -> EpisodeSummary {
        let episode = try await manager.finishEpisode(id: id, tenantID: tenantID)
        return EpisodeSummary(
            id: episode.id, numFrames: episode.numFrames, numActions: episode.numActions, startedAt: episode.startedAt,
            endedAt: episode.endedAt ?? episode.startedAt, status: episode.status.rawValue, archiveKey: episode.archiveKey)
    }

    public func discard() async {
        _ = try? await manager.discardEpisode(id: id, tenantID: tenantID)
    }
}
