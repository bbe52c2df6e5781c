import Foundation
import HangarSettings
import HangarCore
import HangarSpeech
import Testing

@Suite("Remote synthesisers against local servers")
struct RemoteSynthesizerTests {
    let voice = Voice.builtin(id: "default")

    @Test("OpenAI-compatible speech: the request's JSON and key, WAV and PCM answers")
    func openAI() async throws {
        let server = OpenAISpeechServer()
        try await server.run { url in
            let synthesizer = OpenAISpeechSynthesizer(url: url, apiKey: "test-key", model: "tts-1-hd", defaultVoice: "alloy")
            let clip = try await synthesizer.synthesize(SynthesisRequest(text: "Hello there, friend.", voice: voice, rate: 1.25))
            #expect(clip.sampleRate == 24_000)
            #expect(abs(clip.seconds - OpenAISpeechServer.seconds(for: "Hello there, friend.", speed: 1.25)) < 0.001)
            let sent = try #require(await server.requests.last)
            #expect(sent == ["model": "tts-1-hd", "input": "Hello there, friend.", "voice": "alloy", "response_format": "wav", "speed": 1.25])
            #expect(await server.authorizations.last == "Bearer test-key")

            let pcm = OpenAISpeechSynthesizer(url: url + "/v1", apiKey: "test-key", responseFormat: .pcm)
            let raw = try await pcm.synthesize(SynthesisRequest(text: "Hi.", voice: Voice(id: "x", engineVoice: "nova")))
            #expect(raw.sampleRate == 24_000 && raw.samples.count == Int(OpenAISpeechServer.seconds(for: "Hi.", speed: 1) * 24_000))
            #expect(await server.requests.last?["voice"] == "nova")
            #expect(await server.requests.last?["response_format"] == "pcm")
        }
    }

    @Test("OpenAI-compatible speech: errors carry the server's message; 5xx is retried")
    func openAIErrors() async throws {
        let server = OpenAISpeechServer()
        try await server.run { url in
            let wrongKey = OpenAISpeechSynthesizer(url: url, apiKey: "wrong")
            await #expect(throws: SpeechError.synthesis("speech server answered HTTP 401: Incorrect API key provided")) {
                _ = try await wrongKey.synthesize(SynthesisRequest(text: "Hi.", voice: voice))
            }
            let synthesizer = OpenAISpeechSynthesizer(url: url + "/v1/audio/speech", apiKey: "test-key")
            await #expect(throws: SpeechError.synthesis("speech server answered HTTP 400: Invalid voice: nope")) {
                _ = try await synthesizer.synthesize(SynthesisRequest(text: "Hi.", voice: Voice(id: "x", engineVoice: "nope")))
            }
            await server.failNext(2)
            let before = await server.requests.count
            _ = try await synthesizer.synthesize(SynthesisRequest(text: "Hi.", voice: voice))
            #expect(await server.requests.count == before + 3)
        }
        let unreachable = OpenAISpeechSynthesizer(url: "http://127.0.0.1:1", timeout: .seconds(5))
        await #expect(throws: SpeechError.self) { _ = try await unreachable.synthesize(SynthesisRequest(text: "Hi.", voice: voice)) }
    }

    @Test("OpenAI-compatible speech: cloning servers get ref_text and ref_audio when asked")
    func reference() async throws {
        let directory = try SpeechTestSupport.temporaryDirectory()
        let file = directory.appendingPathComponent("ref.wav")
        try SpeechTestSupport.writeTone(to: file, seconds: 1.5)
        let server = OpenAISpeechServer()
        try await server.run { url in
            let synthesizer = OpenAISpeechSynthesizer(url: url, apiKey: "test-key", sendReference: true)
            let cloned = Voice(id: "me", refAudioPath: file.path, refText: "This is my voice.")
            _ = try await synthesizer.synthesize(SynthesisRequest(text: "Hi.", voice: cloned))
            let sent = try #require(await server.requests.last)
            #expect(sent["ref_text"] == "This is my voice.")
            #expect(sent["ref_audio"]?.stringValue.flatMap { Data(base64Encoded: $0) } == (try Data(contentsOf: file)))
        }
    }

    @Test("the whole pipeline over an OpenAI-compatible server: 48 kHz speech of the right length")
    func openAIService() async throws {
        let server = OpenAISpeechServer()
        try await server.run { url in
            var configuration = try SpeechTestSupport.configuration()
            configuration.backend = .openAI(.init(url: url, apiKey: "test-key"))
            let service = SpeechService(configuration: configuration)
            let text = "One sentence here. And another one there."
            let stream = try await service.speak(text: text, voiceID: nil, params: SpeechParams(rate: 2), tenantID: "t")
            await stream.waitUntilFinished()
            #expect(await stream.info().state == .completed)
            let seconds = Double(await stream.audio().count) / 48_000
            let speech =
                OpenAISpeechServer.seconds(for: "One sentence here.", speed: 2) + OpenAISpeechServer.seconds(for: "And another one there.", speed: 2)
            #expect(seconds > speech && seconds < speech + 0.8)
            #expect(await server.requests.allSatisfy { $0["speed"] == 2.0 })
        }
    }

    @Test("F5-TTS socket protocol: exact samples despite END-like bytes and split reads")
    func f5() async throws {
        let server = F5SocketServer()
        try await server.run { port in
            let synthesizer = F5SocketSynthesizer(host: "127.0.0.1", port: port)
            let text = "The model speaks this sentence."
            let clip = try await synthesizer.synthesize(SynthesisRequest(text: text, voice: voice))
            #expect(clip.sampleRate == 24_000)
            #expect(clip.samples == F5SocketServer.samples(for: text))
            #expect(await server.texts == [text])
            // Two segments, two connections, each closed after its answer (the server serves one client at a time).
            _ = try await synthesizer.synthesize(SynthesisRequest(text: "Again.", voice: voice))
            #expect(await server.connections == 2)
        }
    }

    @Test("F5-TTS socket protocol: texts beyond 1024 bytes go as several whole-UTF-8 requests")
    func f5Long() async throws {
        let server = F5SocketServer()
        try await server.run { port in
            let synthesizer = F5SocketSynthesizer(host: "127.0.0.1", port: port)
            let text = String(repeating: "Grüße aus Zürich — 你好世界. ", count: 60)
            let clip = try await synthesizer.synthesize(SynthesisRequest(text: text, voice: voice))
            let texts = await server.texts
            #expect(texts.count >= 2)
            #expect(await server.invalidUTF8 == 0)
            #expect(await server.oversizedReads == 0)
            #expect(texts.joined(separator: " ") == text.trimmingCharacters(in: .whitespaces))
            #expect(clip.samples == texts.flatMap(F5SocketServer.samples(for:)))
        }
        for piece in F5SocketSynthesizer.pieces(of: String(repeating: "é", count: 2000), maximumBytes: 1024) {
            #expect(piece.utf8.count <= 1024)
        }
    }

    @Test("F5-TTS socket protocol: a server that closes without END, or none at all, is an error")
    func f5Failures() async throws {
        let server = F5SocketServer()
        try await server.run { port in
            await server.setBehaviour(.noEnd)
            let synthesizer = F5SocketSynthesizer(host: "127.0.0.1", port: port)
            await #expect(throws: SpeechError.self) { _ = try await synthesizer.synthesize(SynthesisRequest(text: "Hello.", voice: voice)) }
        }
        await #expect(throws: SpeechError.self) {
            _ = try await F5SocketSynthesizer(host: "127.0.0.1", port: 1).synthesize(SynthesisRequest(text: "Hello.", voice: voice))
        }
    }

    @Test("the whole pipeline over F5-TTS: 24 kHz floats become 48 kHz speech")
    func f5Service() async throws {
        let server = F5SocketServer()
        try await server.run { port in
            var configuration = try SpeechTestSupport.configuration()
            configuration.backend = .f5(host: "127.0.0.1", port: port, sampleRate: 24_000)
            let service = SpeechService(configuration: configuration)
            #expect(service.engine.parallel == 1)
            let stream = try await service.speak(text: "First sentence. Second sentence.", voiceID: nil, params: .neutral, tenantID: "t")
            await stream.waitUntilFinished()
            #expect(await stream.info().state == .completed)
            #expect(await server.texts == ["First sentence.", "Second sentence."])
            let seconds = Double(await stream.audio().count) / 48_000
            let speech = Double(F5SocketServer.samples(for: "First sentence.").count + F5SocketServer.samples(for: "Second sentence.").count) / 24_000
            #expect(seconds > speech * 0.95 && seconds < speech + 0.8)
        }
    }

    /// The `speech` area as `serve` reads it, from these environment variables only.
    func speech(_ environment: [String: String], dataDirectory: String = ".") async throws -> SpeechConfiguration {
        let settings = try await Settings(areas: [SpeechConfiguration.settings], environment: environment)
        return try settings.area("speech") { try SpeechConfiguration(config: $0, dataDirectory: dataDirectory) }
    }

    @Test("configuration from the environment (the seed's YAP_* names and Hangar's), bad values named")
    func environment() async throws {
        let f5 = try await speech(["HANGAR_TTS_BACKEND": "f5", "HANGAR_TTS_URL": "tcp://gpu:9998", "YAP_PARALLEL": "3"], dataDirectory: "/data")
        #expect(f5.backend == .f5(host: "gpu", port: 9998, sampleRate: 24_000))
        #expect(f5.voicesDirectory.path == "/data/voices" && f5.parallel == 3)
        let openAI = try await speech(
            ["HANGAR_TTS_BACKEND": "openai", "HANGAR_TTS_URL": "https://api.openai.com", "HANGAR_TTS_API_KEY": "k", "YAP_VOICES_DIR": "/voices"],
            dataDirectory: "/data")
        #expect(openAI.backend == .openAI(.init(url: "https://api.openai.com", apiKey: "k")))
        #expect(openAI.voicesDirectory.path == "/voices")
        let defaults = try await speech([:], dataDirectory: ".hangar")
        #expect(defaults.backend == .espeak(executable: "espeak-ng") && defaults.format == AudioFormat(sampleRate: 48_000, frameMilliseconds: 20))
        #expect(defaults.maximumSegmentCharacters == 350 && defaults.parallel == 2)
        for (environment, says) in [
            (["YAP_PARALLEL": "many"], "YAP_PARALLEL must be an integer from 1 to 64, got 'many'"),
            (["HANGAR_TTS_BACKEND": "openai"], "HANGAR_TTS_URL must be the server's http(s) URL"),
            (["YAP_SR": "44100", "YAP_FRAME_MS": "15"], "YAP_FRAME_MS 15 ms is not a whole number of samples"),
            (["HANGAR_TTS_BACKEND": "festival"], "HANGAR_TTS_BACKEND must be espeak, openai or f5"),
        ] {
            do {
                _ = try await speech(environment)
                Issue.record("\(environment) must be refused")
            } catch {
                #expect(String(describing: error).hasPrefix(says), "\(error)")
            }
        }
    }
}
