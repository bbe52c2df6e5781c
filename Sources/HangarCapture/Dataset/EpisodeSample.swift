import Foundation
import HangarCore

/// The MDS columns of a captured episode, as the original capture declares them.
enum EpisodeSample {
    static let columns: [String: MDSEncoding] = [
        "episode_id": .str, "task": .str, "payload": .bytes, "num_frames": .int, "num_actions": .int,
        "started_at": .str, "ended_at": .str, "screen_w": .int, "screen_h": .int, "agent": .json,
    ]

    static func make(_ archive: EpisodeArchive, payload: Data) -> [String: MDSValue] {
        [
            "episode_id": .str(archive.episodeID),
            "task": .str(archive.task),
            "payload": .bytes(payload),
            "num_frames": .int(Int64(archive.frames.count)),
            "num_actions": .int(Int64(archive.actions.count)),
            "started_at": .str(archive.startedAt),
            "ended_at": .str(archive.endedAt),
            "screen_w": .int(Int64(archive.screenWidth)),
            "screen_h": .int(Int64(archive.screenHeight)),
            "agent": .json(archive.agent),
        ]
    }
}
