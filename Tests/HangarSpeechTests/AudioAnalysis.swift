import Foundation

/// Measurements on audio, in Swift (no sox in tests).
enum AudioAnalysis {
    static func sine(frequency: Double, seconds: Double, sampleRate: Int, amplitude: Double = 0.5, phase: Double = 0) -> [Float] {
        let count = Int(seconds * Double(sampleRate))
        return (0..<count).map { Float(amplitude * sin(2 * .pi * frequency * Double($0) / Double(sampleRate) + phase)) }
    }

    static func floats(_ samples: [Int16]) -> [Float] { samples.map { Float($0) / 32768 } }

    static func rms<C: Collection>(_ samples: C) -> Double where C.Element == Float {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
    }

    /// The largest |x[n] − x[n−1]| in `range`.
    static func maximumStep(_ samples: [Float], in range: Range<Int>) -> Float {
        var largest: Float = 0
        for index in max(range.lowerBound, 1)..<min(range.upperBound, samples.count) {
            largest = max(largest, abs(samples[index] - samples[index - 1]))
        }
        return largest
    }

    /// Frequency of a steady tone, from rising zero crossings (interpolated).
    static func frequency(_ samples: ArraySlice<Float>, sampleRate: Int) -> Double {
        var crossings: [Double] = []
        var index = samples.startIndex + 1
        while index < samples.endIndex {
            let previous = samples[index - 1]
            let current = samples[index]
            if previous < 0, current >= 0 {
                crossings.append(Double(index - 1) + Double(-previous / (current - previous)))
            }
            index += 1
        }
        guard crossings.count >= 2 else { return 0 }
        return Double(crossings.count - 1) * Double(sampleRate) / (crossings.last! - crossings.first!)
    }

    /// Fundamental frequency of voiced speech: median over 40 ms windows of the
    /// autocorrelation peak in 60–400 Hz, on windows loud enough to be voiced.
    static func medianPitch(_ samples: [Float], sampleRate: Int) -> Double {
        let window = sampleRate / 25
        let minimumLag = sampleRate / 400
        let maximumLag = sampleRate / 60
        var estimates: [Double] = []
        let loudest = samples.map(abs).max() ?? 0
        var start = 0
        while start + window + maximumLag < samples.count {
            let frame = samples[start..<start + window + maximumLag]
            if rms(frame) > Double(loudest) * 0.15 {
                var energy: Float = 0
                for index in frame.startIndex..<frame.startIndex + window { energy += frame[index] * frame[index] }
                var best = (score: Float(0), lag: 0)
                for lag in minimumLag...maximumLag {
                    var sum: Float = 0
                    for index in frame.startIndex..<frame.startIndex + window { sum += frame[index] * frame[index + lag] }
                    if sum > best.score { best = (sum, lag) }
                }
                if best.lag > 0, best.score > 0.5 * energy { estimates.append(Double(sampleRate) / Double(best.lag)) }
            }
            start += window
        }
        guard !estimates.isEmpty else { return 0 }
        return estimates.sorted()[estimates.count / 2]
    }

    /// Energy of `frequency` in `samples` relative to their total (Goertzel), in dB.
    static func toneLevel(_ samples: [Float], frequency: Double, sampleRate: Int) -> Double {
        let coefficient = 2 * cos(2 * .pi * frequency / Double(sampleRate))
        var s1 = 0.0
        var s2 = 0.0
        for sample in samples {
            let s0 = Double(sample) + coefficient * s1 - s2
            s2 = s1
            s1 = s0
        }
        let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
        let amplitude = 2 * power.squareRoot() / Double(samples.count)
        return 20 * log10(max(amplitude, 1e-12))
    }
}
