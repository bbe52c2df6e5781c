import Foundation
import HangarCore
import HangarSpeech
import Synchronization
import Testing

@Suite("Streaming sessions")
struct StreamTests {
    /// Reads a listener to its end.
    func collect(_ listener: SpeechListener) async -> [UInt8] {
        var listener = listener
        var bytes: [UInt8] = []
        while let chunk = await listener.next() { bytes += chunk }
        await listener.detach()
        return bytes
    }

    @Test("text in pieces becomes audio as sentences complete; stop speaks the rest and ends the stream")
    func session() async throws {
        let service = try SpeechTestSupport.espeakService()
        let session = try await service.startSession(voiceID: nil, params: .neutral, tenantID: "t")
        let listener = await SpeechListener.attach(to: session, from: nil, pace: .burst, configuration: service.configuration)
        let reading = Task { await collect(listener) }
        for piece in ["Opening the ", "search page. ", "Typing the query", " now. And the last words"] {
            _ = try await service.addText(sessionID: session.id, text: piece, flush: false, voiceID: nil, params: nil, tenantID: "t")
        }
        try await eventually { await session.info().segmentsDone == 2 }
        #expect(await session.info().pendingCharacters == " And the last words".count)
        _ = try await service.stopSession(sessionID: session.id, cancel: false, tenantID: "t")
        let bytes = await reading.value
        let info = await session.info()
        #expect(info.state == .completed && info.segmentsDone == 3)
        #expect(bytes.count == info.framesProduced * 1920 && bytes.count > 48_000 * 2)
        #expect(info.timeToFirstAudio.map { $0 < .seconds(5) } == true, "time to first audio: \(String(describing: info.timeToFirstAudio))")
        await #expect(throws: HangarError.self) {
            _ = try await service.addText(sessionID: session.id, text: "more", flush: false, voiceID: nil, params: nil, tenantID: "t")
        }
        await #expect(throws: HangarError.notFound(resource: "speech session", id: session.id)) {
            _ = try await service.session(session.id, tenantID: "other")
        }
    }

    @Test("a real-time listener gets one 20 ms frame per 20 ms, after priming its jitter buffer, without underruns")
    func realtime() async throws {
        let service = try SpeechTestSupport.espeakService()
        let session = try await service.startSession(voiceID: nil, params: .neutral, tenantID: "t")
        var listener = await SpeechListener.attach(to: session, from: nil, pace: .realtime, configuration: service.configuration)
        _ = try await service.addText(
            sessionID: session.id,
            text: "This sentence lasts for a couple of seconds at least.",
            flush: true,
            voiceID: nil,
            params: nil,
            tenantID: "t"
        )
        let primed = try #require(await listener.next())
        #expect(primed.count == 3 * 1920)  // 60 ms
        let start = ContinuousClock.now
        for _ in 0..<50 { #expect(await listener.next()?.count == 1920) }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed > .milliseconds(950) && elapsed < .milliseconds(1200), "50 frames took \(elapsed)")
        _ = try await service.stopSession(sessionID: session.id, cancel: true, tenantID: "t")
        #expect(await listener.next() == nil)
        #expect(listener.underruns == 0)
        await listener.detach()
    }

    @Test("a session synthesises only so far ahead of its listeners, and drops nothing unheard")
    func backpressure() async throws {
        let service = try SpeechTestSupport.espeakService { $0.bufferAhead = .seconds(1) }
        let session = try await service.startSession(voiceID: nil, params: .neutral, tenantID: "t")
        let text = (1...12).map { "This is sentence number \($0) of a long narration." }.joined(separator: " ")
        _ = try await service.addText(sessionID: session.id, text: text, flush: true, voiceID: nil, params: nil, tenantID: "t")
        try await eventually { await session.info().segmentsInFlight == 0 }
        try await Task.sleep(for: .milliseconds(200))
        let paused = await session.info()
        #expect(paused.segmentsQueued > 0, "synthesis should wait for a listener")
        #expect(paused.framesProduced < 50 + 2 * 250, "\(paused.framesProduced) frames made ahead")  // 1 s + two segments in flight
        _ = try await service.stopSession(sessionID: session.id, cancel: false, tenantID: "t")
        let listener = await SpeechListener.attach(to: session, from: nil, pace: .burst, configuration: service.configuration)
        #expect(listener.start == 0)
        let bytes = await collect(listener)
        let info = await session.info()
        #expect(info.state == .completed && info.segmentsDone == 12)
        #expect(bytes.count == info.framesProduced * 1920)
    }

    @Test("each accepted request and session is told to the process's metrics by kind; a refused one is not")
    func acceptedHook() async throws {
        let kinds = Mutex<[SpeechStream.Kind]>([])
        let service = SpeechService(
            configuration: try SpeechTestSupport.configuration(), synthesizer: ToneSynthesizer(delay: { _ in .milliseconds(1) }),
            accepted: { kind in kinds.withLock { $0.append(kind) } })
        _ = try await service.speak(text: "Hello there.", voiceID: nil, params: .neutral, tenantID: "t")
        _ = try await service.startSession(voiceID: nil, params: .neutral, tenantID: "t")
        await #expect(throws: (any Error).self) { try await service.speak(text: "...", voiceID: nil, params: .neutral, tenantID: "t") }
        #expect(kinds.withLock { $0 } == [.request, .session])
        _ = await service.stopAll(tenantID: "t")
    }

    @Test("stop everything: requests are cancelled; sessions drop their queue and unheard audio, and stay open")
    func stopAll() async throws {
        let service = try SpeechTestSupport.espeakService { $0.bufferAhead = .seconds(2) }
        let slow = SpeechService(
            configuration: try SpeechTestSupport.configuration(),
            synthesizer: ToneSynthesizer(delay: { _ in .milliseconds(300) })
        )
        let request = try await slow.speak(text: "s1. s2. s3. s4.", voiceID: nil, params: .neutral, tenantID: "t")
        let session = try await service.startSession(voiceID: nil, params: .neutral, tenantID: "t")
        _ = try await service.addText(
            sessionID: session.id,
            text: (1...10).map { "Sentence \($0) goes on for a while." }.joined(separator: " "),
            flush: false,
            voiceID: nil,
            params: nil,
            tenantID: "t"
        )
        try await eventually { await session.info().framesProduced > 0 }
        #expect(await slow.stopAll(tenantID: "t").cancelledRequests == 1)
        #expect(await request.info().state == .cancelled)
        #expect(await service.stopAll(tenantID: "other").interruptedSessions == 0)
        #expect(await service.stopAll(tenantID: "t").interruptedSessions == 1)
        let info = await session.info()
        #expect(info.state == .open && info.segmentsQueued == 0 && info.segmentsInFlight == 0 && info.interruptions == 1)
        #expect(info.firstFrameHeld == info.framesProduced)
        let before = info.framesProduced
        _ = try await service.addText(sessionID: session.id, text: "Still here.", flush: true, voiceID: nil, params: nil, tenantID: "t")
        try await eventually { await session.info().framesProduced > before }
    }

    @Test("limits: text per call, text queued, sessions open")
    func limits() async throws {
        let service = try SpeechTestSupport.espeakService {
            $0.limits.maximumTextCharacters = 100
            $0.limits.maximumQueuedCharacters = 150
            $0.limits.maximumSessions = 1
            $0.bufferAhead = .seconds(1)
        }
        let session = try await service.startSession(voiceID: nil, params: .neutral, tenantID: "t")
        await #expect(throws: SpeechError.self) { _ = try await service.startSession(voiceID: nil, params: .neutral, tenantID: "t") }
        await #expect(throws: HangarError.self) {
            _ = try await service.addText(
                sessionID: session.id,
                text: String(repeating: "a", count: 101),
                flush: false,
                voiceID: nil,
                params: nil,
                tenantID: "t"
            )
        }
        let sentence = String(repeating: "word ", count: 18) + "end."  // 94 characters
        _ = try await service.addText(sessionID: session.id, text: sentence, flush: false, voiceID: nil, params: nil, tenantID: "t")
        do {
            for _ in 0..<20 {
                _ = try await service.addText(sessionID: session.id, text: sentence, flush: false, voiceID: nil, params: nil, tenantID: "t")
            }
            Issue.record("queued text was not limited")
        } catch let error as SpeechError {
            guard case .limit(_, let retry) = error else { throw error }
            #expect(retry == 1)
        }
        _ = try await service.stopSession(sessionID: session.id, cancel: true, tenantID: "t")
        await #expect(throws: HangarError.invalid(field: "voice_id", message: "unknown voice 'ghost'")) {
            _ = try await service.speak(text: "Hi.", voiceID: "ghost", params: .neutral, tenantID: "t")
        }
    }

    @Test("a synthesiser failure fails the request with the reason; a missing espeak-ng is 'unavailable'")
    func failures() async throws {
        struct Broken: SpeechSynthesizer {
            var name: String { "broken" }
            var capabilities: SynthesizerCapabilities { SynthesizerCapabilities(nativeRate: nil, nativePitch: nil, maximumConcurrency: 1) }
            func readiness() async -> String? { nil }
            func synthesize(_ request: SynthesisRequest) async throws -> AudioClip { throw SpeechError.synthesis("model exploded") }
        }
        let broken = SpeechService(configuration: try SpeechTestSupport.configuration(), synthesizer: Broken())
        let request = try await broken.speak(text: "Hello.", voiceID: nil, params: .neutral, tenantID: "t")
        await request.waitUntilFinished()
        let info = await request.info()
        #expect(info.state == .failed && info.failure?.contains("model exploded") == true)

        let missing = SpeechService(
            configuration: try SpeechTestSupport.configuration(),
            synthesizer: EspeakSynthesizer(executable: "/nonexistent/espeak-ng")
        )
        await #expect(throws: SpeechError.self) { _ = try await missing.speak(text: "Hello.", voiceID: nil, params: .neutral, tenantID: "t") }
    }
}
