import Foundation
import HTTPTypes
import HangarCore
import HangarServer
import HangarSpeech
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Speech HTTP API")
struct SpeechAPITests {
    static func withAPI(
        _ configuration: SpeechConfiguration? = nil,
        _ body: @Sendable (any TestClientProtocol, SpeechService) async throws -> Void
    ) async throws {
        _ = try SpeechTestSupport.requireEspeak()
        let service = SpeechService(configuration: try configuration ?? SpeechTestSupport.configuration())
        let router = Router(context: HangarRequestContext.self)
        SpeechController(service: service, configuration: ServerConfiguration()).addRoutes(to: router)
        try await Application(router: router).test(.router) { client in try await body(client, service) }
    }

    static func json(_ response: TestResponse) throws -> JSONValue { try JSONText.decode(String(buffer: response.body)) }

    static func post(_ client: any TestClientProtocol, _ path: String, _ body: JSONValue, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: JSONText.encode(body)))
    }

    @Test("the speech routes are exactly the operations tagged Speech or Voices in /openapi.json, and every $ref resolves")
    func documented() throws {
        let router = Router(context: HangarRequestContext.self)
        let service = SpeechService(configuration: try SpeechTestSupport.configuration())
        SpeechController(service: service, configuration: ServerConfiguration()).addRoutes(to: router)
        let served = Set(
            router.routes.map { route in
                let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(
                    separator: "/"
                )
                return "\(route.method.rawValue) /\(path)"
            }
        )
        let document = try JSONText.decode(String(decoding: try APIDocument.openAPI(), as: UTF8.self))
        var documented = Set<String>()
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for (method, operation) in item.objectValue ?? [:] {
                let tags = Set(operation["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                if !tags.isDisjoint(with: ["Speech", "Voices"]) { documented.insert("\(method.uppercased()) \(path)") }
            }
        }
        #expect(served == documented, "served only: \(served.subtracting(documented)); documented only: \(documented.subtracting(served))")
        #expect(document["components"]?["schemas"]?["SpeechSession"] != nil)
        // Every $ref in the document resolves.
        func refs(_ value: JSONValue) -> [String] {
            switch value {
            case .object(let object): return object.flatMap { key, value in key == "$ref" ? [value.stringValue ?? ""] : refs(value) }
            case .array(let array): return array.flatMap(refs)
            default: return []
            }
        }
        let references = Set(refs(document))
        #expect(references.contains("#/components/schemas/SpeechSession"))
        for reference in references {
            let parts = reference.dropFirst(2).split(separator: "/").map(String.init)
            #expect(parts.reduce(Optional(document)) { $0?[$1] } != nil, "unresolved \(reference)")
        }
    }

    @Test("speak: 202 with the seed's fields, then the WAV file; or the WAV at once with Accept: audio/wav")
    func speak() async throws {
        try await Self.withAPI { client, _ in
            let accepted = try await Self.post(
                client,
                "/api/v1/tts/speak",
                ["text": "I'm now searching for Python tutorials on YouTube.", "params": ["rate": 1.0, "pitch": 0.0]]
            )
            #expect(accepted.status == .accepted)
            let body = try Self.json(accepted)
            let id = try #require(body["request_id"]?.stringValue)
            #expect(body["status"] == "speaking" || body["status"] == "completed")
            let estimate = try #require(body["estimated_duration_ms"]?.intValue)
            #expect(accepted.headers[.location] == "/api/v1/tts/requests/\(id)")

            let audio = try await client.execute(uri: "/api/v1/tts/requests/\(id)/audio", method: .get)
            #expect(audio.status == .ok && audio.headers[.contentType] == "audio/wav")
            let bytes = Array(audio.body.readableBytesView)
            let header = SpeechTestSupport.WAVHeader(bytes)
            #expect(header.riff == "RIFF" && header.wave == "WAVE" && header.format == 1 && header.channels == 1 && header.bits == 16)
            #expect(header.sampleRate == 48_000 && header.byteRate == 96_000 && header.blockAlign == 2)
            #expect(header.riffSize == UInt32(bytes.count - 8) && header.dataSize == UInt32(bytes.count - 44))
            let milliseconds = Int(header.dataSize) / 96
            #expect(abs(milliseconds - estimate) < estimate / 3, "estimated \(estimate) ms, got \(milliseconds) ms")

            let status = try Self.json(try await client.execute(uri: "/api/v1/tts/requests/\(id)", method: .get))
            #expect(status["status"] == "completed" && status["duration_ms"]?.intValue == milliseconds)

            let direct = try await Self.post(client, "/api/v1/tts/speak", ["text": "Hello."], headers: [.accept: "audio/wav"])
            #expect(direct.status == .ok && direct.headers[.contentType] == "audio/wav")
            #expect(try WAVDecoder.info(Array(direct.body.readableBytesView)).sampleRate == 48_000)
            #expect(direct.headers[.contentLocation]?.hasPrefix("/api/v1/tts/requests/tts_req_") == true)
        }
    }

    @Test("a session over HTTP: start, text, stop, and its audio as PCM frames or a streaming WAV")
    func stream() async throws {
        try await Self.withAPI { client, _ in
            let started = try await client.execute(uri: "/api/v1/tts/stream/start", method: .post)
            #expect(started.status == .created)
            let session = try Self.json(started)
            let id = try #require(session["session_id"]?.stringValue)
            #expect(session["status"] == "open" && session["audio_url"]?.stringValue == "/api/v1/tts/stream/\(id)/audio")

            async let listened = client.execute(uri: "/api/v1/tts/stream/\(id)/audio?pace=burst", method: .get)
            let added = try await Self.post(client, "/api/v1/tts/stream/text", ["session_id": .string(id), "text": "Opening the page. Then"])
            #expect(added.status == .accepted)
            #expect(try Self.json(added)["pending_characters"] == 5)
            _ = try await Self.post(client, "/api/v1/tts/stream/text", ["session_id": .string(id), "text": " the search.", "params": ["rate": 1.3]])
            let stopped = try await Self.post(client, "/api/v1/tts/stream/stop", ["session_id": .string(id)])
            #expect(stopped.status == .ok)
            let audio = try await listened
            #expect(audio.status == .ok && audio.headers[.contentType]?.hasPrefix("audio/pcm") == true)
            #expect(audio.headers[HTTPField.Name("X-Audio-Sample-Rate")!] == "48000")
            let status = try Self.json(try await client.execute(uri: "/api/v1/tts/stream/\(id)", method: .get))
            #expect(status["status"] == "completed")
            let frames = try #require(status["frames"]?["produced"]?.intValue)
            #expect(audio.body.readableBytes == frames * 1920 && frames > 0)

            let wav = try await client.execute(uri: "/api/v1/tts/stream/\(id)/audio?pace=burst&format=wav&from=10", method: .get)
            #expect(wav.headers[HTTPField.Name("X-Audio-First-Frame")!] == "10")
            let header = SpeechTestSupport.WAVHeader(Array(wav.body.readableBytesView))
            #expect(header.dataSize == UInt32.max && header.sampleRate == 48_000)
            #expect(wav.body.readableBytes == 44 + (frames - 10) * 1920)
        }
    }

    @Test("errors: 422 naming the field, 404 for unknown ids, 409 after stop, 429 with Retry-After")
    func errors() async throws {
        var configuration = try SpeechTestSupport.configuration()
        configuration.limits.maximumSessions = 1
        try await Self.withAPI(configuration) { client, _ in
            let noText = try await Self.post(client, "/api/v1/tts/speak", ["voice_id": "default"])
            #expect(noText.status == .unprocessableContent)
            #expect(try Self.json(noText)["field"] == "text")
            let fast = try await Self.post(client, "/api/v1/tts/speak", ["text": "Hi.", "params": ["rate": 10]])
            #expect(try Self.json(fast)["field"] == "params.rate")
            let ghost = try await Self.post(client, "/api/v1/tts/speak", ["text": "Hi.", "voice_id": "ghost"])
            #expect(ghost.status == .unprocessableContent)
            #expect(try Self.json(ghost)["field"] == "voice_id")
            #expect(try await client.execute(uri: "/api/v1/tts/requests/nope", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/tts/stream/nope/audio", method: .get).status == .notFound)
            #expect(try await Self.post(client, "/api/v1/tts/stream/text", ["session_id": "nope", "text": "x"]).status == .notFound)
            #expect(try await Self.post(client, "/api/v1/tts/stream/text", ["text": "x"]).status == .unprocessableContent)

            let id = try #require(try Self.json(try await client.execute(uri: "/api/v1/tts/stream/start", method: .post))["session_id"]?.stringValue)
            let second = try await client.execute(uri: "/api/v1/tts/stream/start", method: .post)
            #expect(second.status == .tooManyRequests && second.headers[.retryAfter] == "5")
            #expect(try await client.execute(uri: "/api/v1/tts/stream/\(id)/audio?pace=slow", method: .get).status == .unprocessableContent)
            _ = try await Self.post(client, "/api/v1/tts/stream/stop", ["session_id": .string(id), "cancel": true])
            #expect(try await Self.post(client, "/api/v1/tts/stream/text", ["session_id": .string(id), "text": "x"]).status == .conflict)
        }
    }

    @Test("DELETE /api/v1/tts/stop cancels requests and clears sessions")
    func stopAll() async throws {
        try await Self.withAPI { client, _ in
            let id = try #require(try Self.json(try await client.execute(uri: "/api/v1/tts/stream/start", method: .post))["session_id"]?.stringValue)
            _ = try await Self.post(client, "/api/v1/tts/stream/text", ["session_id": .string(id), "text": "Something to say."])
            let stopped = try await client.execute(uri: "/api/v1/tts/stop", method: .delete)
            #expect(stopped.status == .ok)
            let body = try Self.json(stopped)
            #expect(body["status"] == "stopped" && body["interrupted_sessions"] == 1)
            let status = try Self.json(try await client.execute(uri: "/api/v1/tts/stream/\(id)", method: .get))
            #expect(status["status"] == "open" && status["segments"]?["queued"] == 0)
            let info = try Self.json(try await client.execute(uri: "/api/v1/tts/status", method: .get))
            #expect(info["backend"] == "espeak-ng" && info["ready"] == true && info["format"]?["frame_bytes"] == 1920)
        }
    }

    @Test("voices: list, add (seed's response), get, change, reload, remove")
    func voices() async throws {
        let directory = try SpeechTestSupport.temporaryDirectory("voices")
        try SpeechTestSupport.writeTone(to: directory.appendingPathComponent("instructor.wav"), seconds: 3)
        try Data(#"{"broken": {"params": {"rate": 9}}}"#.utf8).write(to: directory.appendingPathComponent("voices.json"))
        try await Self.withAPI(try SpeechTestSupport.configuration(voices: directory)) { client, _ in
            let list = try Self.json(try await client.execute(uri: "/api/v1/voices", method: .get))
            #expect(list["voices"]?.arrayValue?.compactMap { $0["voice_id"]?.stringValue } == ["default"])
            #expect(list["invalid"]?.arrayValue?.first?["field"] == "params.rate")

            let created = try await Self.post(
                client,
                "/api/v1/voices",
                [
                    "voice_id": "instructor", "ref_audio": .string(directory.path + "/instructor.wav"),
                    "ref_text": "This is an instructional voice for tutorials", "styles": ["calm", "explanatory"],
                    "params": ["rate": 0.95, "pitch": -1.0],
                ]
            )
            #expect(created.status == .created)
            let voice = try Self.json(created)
            #expect(voice["voice_id"] == "instructor" && voice["status"] == "registered" && voice["created_at"]?.stringValue != nil)
            #expect(voice["reference"]?["duration_ms"] == 3000)
            #expect(try await Self.post(client, "/api/v1/voices", ["voice_id": "instructor"]).status == .conflict)
            let bad = try await Self.post(client, "/api/v1/voices", ["voice_id": "x", "ref_audio": "missing.wav"])
            #expect(bad.status == .unprocessableContent)
            #expect(try Self.json(bad)["field"] == "ref_audio")

            let put = try await client.execute(
                uri: "/api/v1/voices/instructor",
                method: .put,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"params": {"rate": 1.1}}"#)
            )
            #expect(try Self.json(put)["params"] == ["rate": 1.1, "pitch": -1.0])
            let broken = try Self.json(try await client.execute(uri: "/api/v1/voices/broken", method: .get))
            #expect(broken["valid"] == false && broken["issues"]?.arrayValue?.first?["field"] == "params.rate")
            #expect(try await client.execute(uri: "/api/v1/voices/ghost", method: .get).status == .notFound)

            let spoken = try await Self.post(client, "/api/v1/tts/speak", ["text": "Hi.", "voice_id": "instructor"], headers: [.accept: "audio/wav"])
            #expect(spoken.status == .ok)

            try Data(#"{"fresh": {}}"#.utf8).write(to: directory.appendingPathComponent("voices.json"))
            let reloaded = try Self.json(try await Self.post(client, "/api/v1/voices/reload", [:]))
            #expect(reloaded["status"] == "reloaded" && reloaded["voices"] == 1 && reloaded["changed"] == true)
            #expect(try await client.execute(uri: "/api/v1/voices/fresh", method: .delete).status == .ok)
            #expect(try await client.execute(uri: "/api/v1/voices/fresh", method: .delete).status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/voices/default", method: .delete).status == .conflict)
        }
    }
}
