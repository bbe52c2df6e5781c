import Foundation
import HangarCore
import Testing
import ZIPFoundation

@testable import HangarCapture

/// Reads every entry of a zip into memory.
func unzip(_ data: Data) throws -> [String: Data] {
    let archive = try Archive(data: data, accessMode: .read)
    var entries: [String: Data] = [:]
    for entry in archive {
        var bytes = Data()
        _ = try archive.extract(entry) { bytes.append($0) }
        entries[entry.path] = bytes
    }
    return entries
}

/// Non-empty lines of an NDJSON file, each parsed.
func ndjson(_ data: Data?) throws -> [JSONValue] {
    let text = String(decoding: data ?? Data(), as: UTF8.self)
    #expect(text.isEmpty || text.hasSuffix("\n"), "NDJSON ends each line with a newline")
    return try text.split(separator: "\n").map { try JSONText.decode(String($0)) }
}

@Suite("Episode archive (seed 001)")
struct EpisodeArchiveTests {
    static func sample() -> EpisodeArchive {
        let frames = (0..<3).map { EpisodeFrame(jpeg: TestJPEG.make(seed: $0), ts: 1_764_472_500.25 + Double($0) * 0.5) }
        let actions = [
            EpisodeAction(action: ["action": "CLICK", "position": [0.25, 0.5]], raw: "{'action': 'CLICK', 'position': [0.25, 0.5]}", ts: 1_764_472_500.6),
            EpisodeAction(action: ["action": "INPUT", "value": "héllo \"world\"\n"], raw: "", ts: 1_764_472_501.1),
        ]
        return EpisodeArchive(
            episodeID: "ep-1", task: "Search for tutorials", startedAt: "2025-11-30T03:15:00", endedAt: "2025-11-30T03:15:02",
            screenWidth: 1280, screenHeight: 720, agent: ["model": "showui-2b"], frames: frames, actions: actions,
            capture: ["fps": 2])
    }

    @Test("the zip holds meta.json, frames.ndjson, actions.ndjson and every frame, stored")
    func contents() throws {
        let archive = Self.sample()
        let data = try archive.zipData()
        let entries = try unzip(data)
        #expect(Set(entries.keys) == ["meta.json", "frames.ndjson", "actions.ndjson", "frames/000000.jpg", "frames/000001.jpg", "frames/000002.jpg"])
        for (index, frame) in archive.frames.enumerated() {
            #expect(entries[String(format: "frames/%06d.jpg", index)] == frame.jpeg)
            #expect(frame.jpeg.starts(with: [0xFF, 0xD8]))
        }
        for entry in try Archive(data: data, accessMode: .read) {
            #expect(entry.type == .file)
            #expect(entry.compressedSize == entry.uncompressedSize, "\(entry.path) is stored, not deflated")
        }

        let meta = try JSONText.decode(bytes: Array(try #require(entries["meta.json"])))
        #expect(meta["episode_id"] == "ep-1")
        #expect(meta["task"] == "Search for tutorials")
        #expect(meta["started_at"] == "2025-11-30T03:15:00")
        #expect(meta["ended_at"] == "2025-11-30T03:15:02")
        #expect(meta["screen"] == ["width": 1280, "height": 720])
        #expect(meta["num_frames"] == 3)
        #expect(meta["num_actions"] == 2)
        #expect(meta["agent"] == ["model": "showui-2b"])
        #expect(meta["schema"]?["frames_index"] != nil)

        let frameLines = try ndjson(entries["frames.ndjson"])
        #expect(frameLines.count == 3)
        for (index, line) in frameLines.enumerated() {
            #expect(line == ["i": .int(Int64(index)), "ts": .double(archive.frames[index].ts), "file": .string(String(format: "frames/%06d.jpg", index))])
        }
        let actionLines = try ndjson(entries["actions.ndjson"])
        #expect(actionLines.count == 2)
        for (line, action) in zip(actionLines, archive.actions) {
            #expect(line == ["ts": .double(action.ts), "action": action.action, "raw": .string(action.raw)])
        }
    }

    @Test("an episode without frames or actions still has both indexes, empty")
    func empty() throws {
        var archive = Self.sample()
        archive.frames = []
        archive.actions = []
        let entries = try unzip(try archive.zipData())
        #expect(Set(entries.keys) == ["meta.json", "frames.ndjson", "actions.ndjson"])
        #expect(entries["frames.ndjson"] == Data())
        #expect(entries["actions.ndjson"] == Data())
    }

    @Test("timestamps are UTC seconds without a zone suffix, like the original")
    func timestamp() {
        #expect(EpisodeArchive.timestamp(Date(timeIntervalSince1970: 1_440_938_160.9)) == "2015-08-30T12:36:00")
    }
}
