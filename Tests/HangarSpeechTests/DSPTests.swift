import Foundation
import HangarSpeech
import Testing

@Suite("Resampling, time-stretching, pitch")
struct DSPTests {
    @Test("22050 → 48000 Hz keeps a tone's frequency, level and length, with low distortion")
    func upsample() {
        let input = AudioAnalysis.sine(frequency: 1000, seconds: 1, sampleRate: 22_050)
        let output = Resampler.resample(input, from: 22_050, to: 48_000)
        #expect(output.count == 48_000)
        let middle = output[12_000..<36_000]
        #expect(abs(AudioAnalysis.frequency(middle, sampleRate: 48_000) - 1000) < 0.5)
        #expect(abs(AudioAnalysis.rms(middle) - 0.5 / 2.0.squareRoot()) < 0.005)
        // Against the ideal 1 kHz sine at 48 kHz: the error is below −60 dB.
        let ideal = AudioAnalysis.sine(frequency: 1000, seconds: 1, sampleRate: 48_000)
        let error = AudioAnalysis.rms((12_000..<36_000).map { output[$0] - ideal[$0] })
        #expect(20 * log10(error / AudioAnalysis.rms(ideal[12_000..<36_000])) < -60)
    }

    @Test("downsampling filters out what the new rate cannot hold (no aliasing)")
    func antiAliasing() {
        let input = AudioAnalysis.sine(frequency: 10_000, seconds: 0.5, sampleRate: 48_000)
        let output = Resampler.resample(input, from: 48_000, to: 16_000)
        // 10 kHz would alias to 6 kHz at 16 kHz.
        let alias = AudioAnalysis.toneLevel(Array(output[1000..<7000]), frequency: 6000, sampleRate: 16_000)
        #expect(alias < -60, "alias at \(alias) dB")
        let kept = Resampler.resample(AudioAnalysis.sine(frequency: 3000, seconds: 0.5, sampleRate: 48_000), from: 48_000, to: 16_000)
        #expect(AudioAnalysis.toneLevel(Array(kept[1000..<7000]), frequency: 3000, sampleRate: 16_000) > -7)
    }

    @Test("WSOLA changes duration, not frequency")
    func stretch() {
        for factor in [0.5, 0.8, 1.5, 2.0] {
            let input = AudioAnalysis.sine(frequency: 220, seconds: 1, sampleRate: 24_000)
            let output = TimeStretcher.stretch(input, sampleRate: 24_000, factor: factor)
            #expect(abs(Double(output.count) - 24_000 * factor) <= 2, "length at ×\(factor)")
            let middle = output[output.count / 4..<output.count * 3 / 4]
            #expect(abs(AudioAnalysis.frequency(middle, sampleRate: 24_000) - 220) < 220 * 0.01, "frequency at ×\(factor)")
            #expect(abs(AudioAnalysis.rms(middle) - 0.5 / 2.0.squareRoot()) < 0.05, "level at ×\(factor)")
        }
    }

    @Test("the pipeline shifts pitch by semitones and keeps the rate, for synthesisers that cannot")
    func pitchAndRate() async throws {
        struct Tone: SpeechSynthesizer {
            var name: String { "tone" }
            var capabilities: SynthesizerCapabilities { SynthesizerCapabilities(nativeRate: nil, nativePitch: nil, maximumConcurrency: 4) }
            func readiness() async -> String? { nil }
            func synthesize(_ request: SynthesisRequest) async throws -> AudioClip {
                AudioClip(sampleRate: 24_000, samples: AudioAnalysis.sine(frequency: 200, seconds: 1, sampleRate: 24_000))
            }
        }
        let engine = SpeechEngine(configuration: try SpeechTestSupport.configuration(), synthesizer: Tone())
        func render(rate: Double, pitch: Double) async throws -> [Float] {
            try await engine.render(
                SegmentJob(
                    text: "x",
                    boundary: .word,
                    continuesPrevious: true,
                    voice: .builtin(id: "default"),
                    params: SpeechParams(rate: rate, pitch: pitch)
                )
            )
        }
        let octaveUp = try await render(rate: 1, pitch: 12)
        #expect(abs(Double(octaveUp.count) - 48_000) < 48_000 * 0.03)
        #expect(abs(AudioAnalysis.frequency(octaveUp[12_000..<36_000], sampleRate: 48_000) - 400) < 4)
        let down = try await render(rate: 1, pitch: -5)
        #expect(abs(AudioAnalysis.frequency(down[12_000..<36_000], sampleRate: 48_000) - 200 * pow(2, -5.0 / 12)) < 2)
        let fast = try await render(rate: 2, pitch: 0)
        #expect(abs(Double(fast.count) - 24_000) < 24_000 * 0.03)
        #expect(abs(AudioAnalysis.frequency(fast[6_000..<18_000], sampleRate: 48_000) - 200) < 2)
    }

    @Test("rate and pitch go to the synthesiser as far as it can render them, the rest to the DSP")
    func prosodyPlan() {
        let espeak = EspeakSynthesizer(executable: "/bin/true").capabilities
        let within = ProsodyPlan(rate: 1.5, pitch: 0, capabilities: espeak)
        #expect(within.nativeRate == 1.5 && within.nativePitch == 0 && within.stretch == 1 && within.pitchFactor == 1)
        let beyond = ProsodyPlan(rate: 4, pitch: 12, capabilities: espeak)
        #expect(abs(beyond.nativeRate - 450.0 / 175) < 1e-9)
        #expect(abs(beyond.pitchFactor - 2) < 1e-9)
        // Stretch by the pitch factor, then by the rate espeak-ng could not reach.
        #expect(abs(beyond.stretch - 2 / (4 / (450.0 / 175))) < 1e-9)
        let remote = ProsodyPlan(
            rate: 2,
            pitch: 0,
            capabilities: SynthesizerCapabilities(nativeRate: 0.25...4, nativePitch: nil, maximumConcurrency: 1)
        )
        #expect(remote.nativeRate == 2 && remote.stretch == 1)
    }
}
