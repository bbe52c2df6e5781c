public import Foundation
public import HangarCore
import ZIPFoundation

/// One frame of an episode: the JPEG and when it was taken (seconds since 1970, the clock every
/// timestamp of the episode uses, like Python's `time.time()`).
public struct EpisodeFrame: Sendable, Hashable {
    public var jpeg: Data
    public var ts: Double

    public init(jpeg: Data, ts: Double) {
        self.jpeg = jpeg
        self.ts = ts
    }
}

/// One action as performed: the normalised action and the model's raw text.
public struct EpisodeAction: Sendable, Hashable {
    public var action: JSONValue
    public var raw: String
    public var ts: Double

    public init(action: JSONValue, raw: String, ts: Double) {
        self.action = action
        self.raw = raw
        self.ts = ts
    }
}

/// The episode zip of seed 001 ("Training Data Format"):
///
/// ```
/// meta.json        episode metadata
/// frames.ndjson    {"i", "ts", "file"} per frame
/// actions.ndjson   {"ts", "action", "raw"} per action
/// frames/000000.jpg …
/// ```
///
/// Entries are stored, not deflated: JPEGs do not shrink and the MDS shard is compressed as a
/// whole anyway.
public struct EpisodeArchive: Sendable {
    public var episodeID: String
    public var task: String
    /// `YYYY-MM-DDTHH:MM:SS` in UTC, as the original capture writes them.
    public var startedAt: String
    public var endedAt: String
    public var screenWidth: Int
    public var screenHeight: Int
    public var agent: JSONValue
    public var frames: [EpisodeFrame]
    public var actions: [EpisodeAction]
    /// Extra facts for `meta.json` (capture settings, frame-source errors).
    public var capture: JSONValue

    public static let toolVersion = "1.0"

    public init(
        episodeID: String, task: String, startedAt: String, endedAt: String, screenWidth: Int, screenHeight: Int, agent: JSONValue,
        frames: [EpisodeFrame], actions: [EpisodeAction], capture: JSONValue = .emptyObject
    ) {
        self.episodeID = episodeID
        self.task = task
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.screenWidth = screenWidth
        self.screenHeight = screenHeight
        self.agent = agent
        self.frames = frames
        self.actions = actions
        self.capture = capture
    }

    public static func frameName(_ index: Int) -> String {
        let digits = String(index)
        return "frames/" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".jpg"
    }

    public var meta: JSONValue {
        [
            "episode_id": .string(episodeID),
            "task": .string(task),
            "started_at": .string(startedAt),
            "ended_at": .string(endedAt),
            "screen": ["width": .int(Int64(screenWidth)), "height": .int(Int64(screenHeight))],
            "num_frames": .int(Int64(frames.count)),
            "num_actions": .int(Int64(actions.count)),
            "agent": agent,
            "capture": capture,
            "schema": [
                "frames": "frames/<NNNNNN>.jpg (JPEG, RGB)",
                "frames_index": "frames.ndjson (one JSON object per line: {i, ts, file})",
                "actions": "actions.ndjson (one JSON object per line: {ts, action, raw})",
            ],
            "tool": "hangar",
            "tool_version": .string(Self.toolVersion),
        ]
    }

    public var framesIndex: String {
        frames.enumerated().map { index, frame in
            JSONText.encode(["i": .int(Int64(index)), "ts": .double(frame.ts), "file": .string(Self.frameName(index))]) + "\n"
        }.joined()
    }

    public var actionsIndex: String {
        actions.map { JSONText.encode(["ts": .double($0.ts), "action": $0.action, "raw": .string($0.raw)]) + "\n" }.joined()
    }

    /// The zip's bytes, built in memory.
    public func zipData() throws -> Data {
        let archive = try Archive(accessMode: .create)
        try Self.add(Data(JSONText.encode(meta).utf8), as: "meta.json", to: archive)
        try Self.add(Data(framesIndex.utf8), as: "frames.ndjson", to: archive)
        try Self.add(Data(actionsIndex.utf8), as: "actions.ndjson", to: archive)
        for (index, frame) in frames.enumerated() {
            try Self.add(frame.jpeg, as: Self.frameName(index), to: archive)
        }
        guard let data = archive.data else { throw HangarError.unavailable("episode archive: in-memory zip has no data") }
        return data
    }

    private static func add(_ data: Data, as path: String, to archive: Archive) throws {
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .none) { position, size in
            let start = data.startIndex + Int(position)
            return data.subdata(in: start..<min(start + size, data.endIndex))
        }
    }

    /// `2026-11-30T03:15:00`: second precision, UTC, no zone suffix (the original's format).
    public static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))"
    }
}
