import Foundation

/// Changes duration without changing pitch, by WSOLA (waveform-similarity overlap-add,
/// Verhelst & Roelands 1993): 30 ms Hann frames are overlap-added every 15 ms of output,
/// each taken from near its nominal place in the input, shifted by up to ±8 ms to the
/// position whose waveform best continues the previous frame, so periods line up and the
/// voice does not turn phasey. Combined with resampling it also shifts pitch.
public enum TimeStretcher {
    /// `samples` made `factor` times as long (2 = half speed), pitch unchanged.
    public static func stretch(_ samples: [Float], sampleRate: Int, factor: Double) -> [Float] {
        guard !samples.isEmpty, factor > 0, abs(factor - 1) > 1e-4, sampleRate > 0 else { return samples }
        let frame = max(64, Int(Double(sampleRate) * 0.030) & ~1)
        let hop = frame / 2
        let tolerance = max(8, Int(Double(sampleRate) * 0.008))
        let analysisHop = Double(hop) / factor
        // Pad so that the first and last frames overlap-add to full level.
        let padded = [Float](repeating: 0, count: hop) + samples + [Float](repeating: 0, count: frame + tolerance)
        let outputCount = Int((Double(samples.count) * factor).rounded())
        let leading = Int((Double(hop) * factor).rounded())
        let total = leading + outputCount + frame
        var output = [Float](repeating: 0, count: total + frame)
        var window = [Float](repeating: 0, count: frame)
        for index in 0..<frame {
            let phase = 2 * Float.pi * Float(index) / Float(frame)
            window[index] = 0.5 - 0.5 * cos(phase)  // periodic Hann: overlaps at 50% sum to 1
        }
        padded.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                var previous = 0
                var m = 0
                while m * hop < total {
                    let nominal = Int(Double(m) * analysisHop)
                    var position = min(nominal, x.count - frame)
                    if m > 0 {
                        position = bestMatch(x, natural: previous + hop, around: nominal, tolerance: tolerance, length: hop)
                    }
                    let start = m * hop
                    for index in 0..<frame where start + index < y.count {
                        y[start + index] += x[position + index] * window[index]
                    }
                    previous = position
                    m += 1
                }
            }
        }
        let end = min(output.count, leading + outputCount)
        return Array(output[min(leading, end)..<end])
    }

    /// The start, within ±tolerance of `around`, whose next `length` samples correlate best with
    /// the samples that naturally follow the previous frame. A coarse search on every second
    /// lag and sample, refined at ±1 lag.
    private static func bestMatch(_ x: UnsafeBufferPointer<Float>, natural: Int, around: Int, tolerance: Int, length: Int) -> Int {
        let lowest = max(0, around - tolerance)
        let highest = min(x.count - length * 2 - 1, around + tolerance)
        guard lowest < highest, natural + length < x.count else { return max(0, min(around, x.count - length * 2 - 1)) }
        func correlation(_ candidate: Int, stride step: Int) -> Float {
            var sum: Float = 0
            var index = 0
            while index < length {
                sum += x[candidate + index] * x[natural + index]
                index += step
            }
            return sum
        }
        var best = lowest
        var bestScore = -Float.infinity
        var candidate = lowest
        while candidate <= highest {
            let score = correlation(candidate, stride: 2)
            if score > bestScore {
                bestScore = score
                best = candidate
            }
            candidate += 2
        }
        var refined = best
        bestScore = correlation(best, stride: 1)
        for neighbour in [best - 1, best + 1] where neighbour >= lowest && neighbour <= highest {
            let score = correlation(neighbour, stride: 1)
            if score > bestScore {
                bestScore = score
                refined = neighbour
            }
        }
        return refined
    }
}
