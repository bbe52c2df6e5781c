import Foundation
import HangarSpeech
import Testing

/// The embedded default synthesiser, for real: these tests run espeak-ng and fail if it is missing.
@Suite("espeak-ng")
struct EspeakTests {
    static let text = "I'm now searching for Python tutorials on YouTube. The first result looks promising, so I will open it and read the summary."

    func speak(_ service: SpeechService, _ text: String = Self.text, params: SpeechParams = .neutral) async throws -> [Int16] {
        let stream = try await service.speak(text: text, voiceID: nil, params: params, tenantID: "t")
        await stream.waitUntilFinished()
        let info = await stream.info()
        #expect(info.state == .completed, "\(info.failure ?? "")")
        return await stream.audio()
    }

    @Test("espeak-ng itself: 22050 Hz audio of plausible length")
    func synthesizer() async throws {
        _ = try SpeechTestSupport.requireEspeak()
        let clip = try await EspeakSynthesizer().synthesize(SynthesisRequest(text: "Hello world.", voice: .builtin(id: "default")))
        #expect(clip.sampleRate == 22_050)
        #expect((0.5...2.0).contains(clip.seconds))
        await #expect(throws: SpeechError.self) {
            _ = try await EspeakSynthesizer().synthesize(SynthesisRequest(text: "Hello.", voice: Voice(id: "x", engineVoice: "zzznosuchvoice")))
        }
    }

    @Test("speech is 48 kHz, whole 20 ms frames, and as long as the words take at 175 a minute")
    func duration() async throws {
        let service = try SpeechTestSupport.espeakService()
        let samples = try await speak(service)
        #expect(samples.count % 960 == 0)
        let seconds = Double(samples.count) / 48_000
        let words = Double(Self.text.split(separator: " ").count)
        let spoken = words * 60 / 175
        // espeak-ng's words per minute, plus two sentence pauses (0.25 s) and a clause pause.
        #expect(seconds > spoken * 0.8 && seconds < spoken * 1.25 + 0.8, "\(seconds) s for \(words) words")
        let doubled = try await speak(service, params: SpeechParams(rate: 2))
        let ratio = Double(doubled.count) / Double(samples.count)
        #expect(ratio > 0.45 && ratio < 0.7, "rate 2 gives \(ratio) of the length")
        #expect(AudioAnalysis.rms(AudioAnalysis.floats(samples)) > 0.02)
    }

    @Test("pitch moves the voice by the semitones asked")
    func pitch() async throws {
        let service = try SpeechTestSupport.espeakService()
        let text = "Aaah, the ocean is really rather calm today."
        let base = AudioAnalysis.medianPitch(AudioAnalysis.floats(try await speak(service, text)), sampleRate: 48_000)
        for semitones in [5.0, -4.0, 12.0] {
            let shifted = AudioAnalysis.medianPitch(
                AudioAnalysis.floats(try await speak(service, text, params: SpeechParams(pitch: semitones))),
                sampleRate: 48_000
            )
            let measured = 12 * log2(shifted / base)
            #expect(abs(measured - semitones) < 1.2, "asked \(semitones) st, measured \(measured) st (\(base) → \(shifted) Hz)")
        }
    }

    @Test("segments synthesised in parallel, finishing out of order, are reassembled in order: same audio as one at a time")
    func parallelOrder() async throws {
        let espeak = try SpeechTestSupport.requireEspeak()
        let text = (1...8).map { "Sentence number \($0) is here." }.joined(separator: " ")
        var sequential = try SpeechTestSupport.configuration(parallel: 1)
        sequential.backend = .espeak(executable: espeak)
        let one = SpeechService(configuration: sequential)
        let reference = try await speak(one, text)

        // Later segments are delayed less, so they finish first.
        let delayed = DelayedSynthesizer(
            base: EspeakSynthesizer(executable: espeak),
            delay: { text in .milliseconds(40 * (9 - (Int(text.filter(\.isNumber)) ?? 0))) },
            concurrency: 4
        )
        let four = SpeechService(configuration: try SpeechTestSupport.configuration(parallel: 4), synthesizer: delayed)
        let parallel = try await speak(four, text)
        #expect(four.engine.limiter.peakConcurrency == 4)
        #expect(parallel == reference, "parallel synthesis changed the audio")
    }

    @Test("order holds with random delays, segment by segment (each segment a distinct tone)")
    func toneOrder() async throws {
        let synthesizer = ToneSynthesizer(delay: { _ in .milliseconds(Int.random(in: 0...60)) })
        var configuration = try SpeechTestSupport.configuration(parallel: 4)
        configuration.overlapMilliseconds = 0
        configuration.sentencePauseMilliseconds = 0
        let service = SpeechService(configuration: configuration, synthesizer: synthesizer)
        let count = 12
        let audio = AudioAnalysis.floats(try await speak(service, (0..<count).map { "s\($0)." }.joined(separator: " ")))
        let segment = Int(0.15 * 48_000)  // no pauses, no overlap: the tones back to back
        var found: [Int] = []
        var start = 0
        for _ in 0..<count {
            let window = audio[start + 1000..<start + segment - 1000]
            let frequency = AudioAnalysis.frequency(window, sampleRate: 48_000)
            found.append(Int(((frequency - 300) / 40).rounded()))
            start += segment
        }
        #expect(found == Array(0..<count))
    }

    @Test("joins inside split sentences stay within the crossfade's bound (no clicks)")
    func spliceBound() async throws {
        let service = try SpeechTestSupport.espeakService { $0.maximumSegmentCharacters = 40 }
        let text = "the quick brown fox jumps over the lazy dog while seven wizards quickly judge the boxing match and nobody minds at all"
        let segments = TextSegmenter.segments(of: text, maximumCharacters: 40)
        #expect(segments.count >= 3 && segments.dropLast().allSatisfy { $0.boundary == .word })
        // Render each segment as the service does, and splice them, knowing where the joins are.
        var rendered: [[Float]] = []
        var previous: SegmentBoundary?
        for segment in segments {
            rendered.append(
                try await service.engine.render(
                    SegmentJob(
                        text: segment.text,
                        boundary: segment.boundary,
                        continuesPrevious: previous?.continuesPhrase ?? false,
                        voice: .builtin(id: "default"),
                        params: .neutral
                    )
                )
            )
            previous = segment.boundary
        }
        var splicer = service.engine.makeSplicer()
        var output: [Int16] = []
        for samples in rendered { output += splicer.append(samples) }
        output += splicer.flush()
        #expect(output == (try await speak(service, text)), "the service's audio is this splice")
        let audio = AudioAnalysis.floats(output)
        let overlap = splicer.overlap
        var start = 0
        var worstRatio: Float = 0
        for index in 1..<rendered.count {
            start += rendered[index - 1].count - overlap
            let a = Array(rendered[index - 1].suffix(overlap))
            let b = Array(rendered[index].prefix(overlap))
            let bound =
                AudioAnalysis.maximumStep(a, in: 0..<overlap) + AudioAnalysis.maximumStep(b, in: 0..<overlap)
                + ((a.map(abs).max() ?? 0) + (b.map(abs).max() ?? 0)) * Float.pi / Float(2 * overlap) + 2.0 / 32768
            let step = AudioAnalysis.maximumStep(audio, in: start..<start + overlap + 1)
            #expect(step <= bound, "join \(index): step \(step) > bound \(bound)")
            worstRatio = max(worstRatio, step / max(AudioAnalysis.maximumStep(audio, in: 0..<audio.count), 1e-6))
        }
        // And no join has a step larger than the speech's own largest.
        #expect(worstRatio <= 1)
    }
}
