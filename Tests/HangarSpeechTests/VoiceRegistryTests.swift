import Foundation
import HangarCore
import HangarSpeech
import Testing

@Suite("Voice registry")
struct VoiceRegistryTests {
    func write(_ json: String, to directory: URL) throws {
        // Like an editor that replaces the file: a new inode each time.
        try Data(json.utf8).write(to: directory.appendingPathComponent("voices.json"), options: .atomic)
    }

    @Test("the seed's shape loads; invalid entries are reported with their field and skipped")
    func loading() async throws {
        let directory = try SpeechTestSupport.temporaryDirectory("voices")
        try SpeechTestSupport.writeTone(to: directory.appendingPathComponent("instructor.wav"), seconds: 3)
        try SpeechTestSupport.writeTone(to: directory.appendingPathComponent("short.wav"), seconds: 0.3)
        try Data("not audio".utf8).write(to: directory.appendingPathComponent("text.wav"))
        try write(
            """
            {
              "instructor": {"ref_audio": "\(directory.path)/instructor.wav", "ref_text": "This is an instructional voice for tutorials",
                             "styles": ["calm", "explanatory"], "params": {"rate": 0.95, "pitch": -1.0}, "color": "kept"},
              "relative": {"ref_audio": "instructor.wav", "engine_voice": "en-us+f3"},
              "fast": {"params": {"rate": 9}},
              "missing": {"ref_audio": "nope.wav"},
              "outside": {"ref_audio": "/etc/hostname"},
              "escape": {"ref_audio": "../\(directory.lastPathComponent)/../etc/passwd"},
              "short": {"ref_audio": "short.wav"},
              "text": {"ref_audio": "text.wav"},
              "bad id!": {},
              "number": 7
            }
            """,
            to: directory
        )
        let registry = VoiceRegistry(directory: directory)
        let listing = await registry.listing()
        #expect(listing.voices.map(\.id) == ["default", "instructor", "relative"])
        let instructor = try #require(listing.voices.first { $0.id == "instructor" })
        #expect(instructor.params == SpeechParams(rate: 0.95, pitch: -1) && instructor.styles == ["calm", "explanatory"])
        #expect(instructor.reference?.sampleRate == 24_000 && abs((instructor.reference?.seconds ?? 0) - 3) < 0.01)
        #expect(listing.voices.first { $0.id == "relative" }?.refAudioPath == directory.appendingPathComponent("instructor.wav").path)
        let issues = Dictionary(grouping: listing.issues, by: { $0.voiceID ?? "" })
        #expect(Set(issues.keys) == ["fast", "missing", "outside", "escape", "short", "text", "bad id!", "number"])
        #expect(issues["fast"]?.first?.field == "params.rate")
        #expect(issues["outside"]?.first?.message.contains("outside the voices directory") == true)
        #expect(issues["short"]?.first?.message.contains("1-30 s") == true)
        #expect(issues["text"]?.first?.message.contains("not a usable WAV file") == true)
        #expect(issues["bad id!"]?.first?.field == "voice_id")
        await #expect(throws: HangarError.invalid(field: "voice_id", message: "unknown voice 'nobody'")) { try await registry.resolve("nobody") }
        await #expect(throws: HangarError.self) { try await registry.resolve("fast") }
        #expect(try await registry.resolve(nil).isBuiltin)
    }

    @Test("hot reload: an edited file is picked up within the poll interval, without a reload call")
    func hotReload() async throws {
        let directory = try SpeechTestSupport.temporaryDirectory("voices")
        try write(#"{"narrator": {"params": {"rate": 1.1}}}"#, to: directory)
        var configuration = try SpeechTestSupport.configuration(voices: directory)
        configuration.registryPollInterval = .milliseconds(100)
        let service = SpeechService(configuration: configuration)
        let running = Task { try await service.run() }
        defer { running.cancel() }
        #expect(try await service.voices.resolve("narrator").params.rate == 1.1)

        try write(#"{"narrator": {"params": {"rate": 1.3, "pitch": 2}}, "guide": {"styles": ["warm"]}}"#, to: directory)
        try await eventually { (try? await service.voices.resolve("guide")) != nil }
        #expect(try await service.voices.resolve("narrator").params == SpeechParams(rate: 1.3, pitch: 2))

        // An edit in place (same inode) is seen too.
        let file = directory.appendingPathComponent("voices.json")
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(#"{"guide": {"styles": ["warm", "slow"]}}"#.utf8))
        try handle.close()
        try await eventually { (try? await service.voices.resolve("narrator")) == nil }
        #expect(try await service.voices.resolve("guide").styles == ["warm", "slow"])

        // A half-written file keeps the voices loaded before and says why.
        try write(#"{"guide": {"styles": ["#, to: directory)
        try await eventually { await service.voices.listing().issues.contains { $0.voiceID == nil } }
        #expect(try await service.voices.resolve("guide").styles == ["warm", "slow"])
    }

    @Test("changes through the API rewrite one entry and keep the rest as written")
    func changes() async throws {
        let directory = try SpeechTestSupport.temporaryDirectory("voices")
        try SpeechTestSupport.writeTone(to: directory.appendingPathComponent("me.wav"), seconds: 2)
        try write(#"{"broken": {"params": {"rate": "fast"}}, "old": {"ref_text": "hi", "custom": [1, 2]}}"#, to: directory)
        let registry = VoiceRegistry(directory: directory)
        let created = try await registry.create(id: "me", fields: ["ref_audio": "me.wav", "ref_text": "My voice.", "params": ["rate": 0.9]])
        #expect(created.refAudioPath == directory.appendingPathComponent("me.wav").path && created.createdAt != nil)
        await #expect(throws: HangarError.self) { try await registry.create(id: "me", fields: [:]) }
        await #expect(throws: HangarError.invalid(field: "params.pitch", message: "must be a number of semitones from -12 to 12")) {
            try await registry.create(id: "loud", fields: ["params": ["pitch": 30]])
        }
        await #expect(throws: HangarError.self) { try await registry.create(id: "far", fields: ["ref_audio": "/etc/hostname"]) }
        let updated = try await registry.update(id: "me", fields: ["params": ["pitch": 2], "ref_text": .null])
        #expect(updated.params == SpeechParams(rate: 0.9, pitch: 2) && updated.refText == nil)
        let fixed = try await registry.update(id: "broken", fields: ["params": ["rate": 1.2]])
        #expect(fixed.params.rate == 1.2)
        _ = try await registry.update(id: "default", fields: ["engine_voice": "en-gb"])
        try await registry.delete(id: "old")
        await #expect(throws: HangarError.notFound(resource: "voice", id: "old")) { try await registry.delete(id: "old") }
        await #expect(throws: HangarError.notFound(resource: "voice", id: "ghost")) { try await registry.update(id: "ghost", fields: [:]) }

        let file = try JSONText.decode(String(contentsOf: directory.appendingPathComponent("voices.json"), encoding: .utf8))
        #expect(Set(file.objectValue?.keys.map { $0 } ?? []) == ["me", "broken", "default"])
        #expect(file["me"]?["params"] == ["rate": 0.9, "pitch": 2])
        #expect(file["default"]?["engine_voice"] == "en-gb")
        // A file that is not JSON is not overwritten.
        try write("{ oops", to: directory)
        await #expect(throws: HangarError.self) { try await registry.create(id: "new", fields: [:]) }
        #expect(try String(contentsOf: directory.appendingPathComponent("voices.json"), encoding: .utf8) == "{ oops")
    }
}

/// Polls `condition` until it holds (up to 5 s).
func eventually(_ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(5)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("condition not met within 5 s")
}
