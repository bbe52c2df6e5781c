import Foundation
import HangarSpeech
import Testing

@Suite("Crossfade splicing and framing")
struct SplicerTests {
    /// The worst join there is: two tones, the second starting out of phase, no silence between.
    @Test("an equal-power crossfade keeps every step within the stated bound; a butt join does not")
    func boundOnSyntheticJoin() {
        let rate = 48_000
        let overlap = 1440  // 30 ms
        let a = AudioAnalysis.sine(frequency: 440, seconds: 0.2, sampleRate: rate, amplitude: 0.5)
        let b = AudioAnalysis.sine(frequency: 660, seconds: 0.2, sampleRate: rate, amplitude: 0.5, phase: .pi / 2)
        func joined(overlap: Int) -> [Float] {
            var splicer = AudioSplicer(overlap: overlap, frameSamples: 960)
            return AudioAnalysis.floats(splicer.append(a) + splicer.append(b) + splicer.flush())
        }
        let quantum: Float = 1.0 / 32768
        let butt = joined(overlap: 0)
        let buttStep = AudioAnalysis.maximumStep(butt, in: a.count - 5..<a.count + 5)
        #expect(buttStep > 0.4, "a butt join of out-of-phase tones is a click")

        let faded = joined(overlap: overlap)
        #expect(faded.count % 960 == 0 && faded.count >= a.count + b.count - overlap)
        let stepA = AudioAnalysis.maximumStep(a, in: 0..<a.count)
        let stepB = AudioAnalysis.maximumStep(b, in: 0..<b.count)
        let bound = stepA + stepB + (0.5 + 0.5) * Float.pi / Float(2 * overlap) + 2 * quantum
        let join = a.count - overlap
        let worst = AudioAnalysis.maximumStep(faded, in: join - 10..<join + overlap + 10)
        #expect(worst <= bound, "step \(worst) > bound \(bound)")
        // Loudness through the join stays within 3 dB of the tones' own (equal power).
        let middle = faded[join + overlap / 2 - 240..<join + overlap / 2 + 240]
        #expect(abs(20 * log10(AudioAnalysis.rms(middle) / (0.5 / 2.0.squareRoot()))) < 3)
    }

    @Test("output is whole 20 ms frames; the tail is held back until the next segment or a flush")
    func framing() {
        var splicer = AudioSplicer(overlap: 1440, frameSamples: 960)
        let first = splicer.append([Float](repeating: 0.1, count: 5000))
        #expect(first.count == 3 * 960)  // 5000 − 1440 held back = 3560 → 3 frames, 680 pending
        #expect(splicer.bufferedSamples == 5000 - 3 * 960)
        let rest = splicer.flush()
        #expect(rest.count == 3 * 960)  // 680 + 1440 = 2120 left → padded to 3 frames
        #expect(rest.suffix(3 * 960 - 2120).allSatisfy { $0 == 0 })
        #expect(splicer.bufferedSamples == 0)
    }

    @Test("edges are trimmed to the speech, faded to zero, and given the punctuation's pause")
    func shaping() {
        let shaper = SegmentShaper(sampleRate: 48_000)
        let speech =
            [Float](repeating: 0, count: 10_000) + AudioAnalysis.sine(frequency: 300, seconds: 0.1, sampleRate: 48_000)
            + [Float](repeating: 0, count: 20_000)
        let shaped = shaper.shape(speech, leadingSilence: 1440, trailingSilence: 12_000)
        #expect(shaped.first == 0 && shaped.last == 0)
        #expect(abs(shaped.count - (1440 + 4800 + 2 * shaper.marginSamples + 12_000)) <= 2)
        #expect(shaper.shape([Float](repeating: 0, count: 1000), leadingSilence: 10, trailingSilence: 20).count == 30)
    }
}
