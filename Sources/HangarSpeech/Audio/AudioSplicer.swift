/// Joins shaped segments in order into a continuous signal and cuts it into whole frames.
///
/// Each join is an equal-power crossfade over `overlap` samples: the last `overlap` samples
/// of the previous segment (held back until the next one arrives, or until `flush`) are
/// mixed with the first `overlap` samples of the next. Because both gains are smooth, the
/// step between two output samples inside a crossfade is at most
/// `max|Δa| + max|Δb| + (max|a| + max|b|) · π / (2 · overlap)`, where a and b are the two
/// segments over the overlap: the join adds no step bigger than the audio's own plus a
/// fraction of its level (0.0016 per unit of amplitude at 48 kHz with 30 ms). `flush` emits
/// the held-back tail (which ends at zero, see `SegmentShaper`) when no segment follows.
public struct AudioSplicer: Sendable {
    public let overlap: Int
    public let frameSamples: Int
    private var carry: [Float] = []
    private var pending: [Float] = []
    private let gains: (out: [Float], in: [Float])

    public init(overlap: Int, frameSamples: Int) {
        self.overlap = max(0, overlap)
        self.frameSamples = max(1, frameSamples)
        self.gains = RaisedCosine.equalPower(self.overlap)
    }

    /// Samples held back or waiting for a whole frame.
    public var bufferedSamples: Int { carry.count + pending.count }

    /// Adds the next segment; returns the whole frames now final, as 16-bit samples.
    public mutating func append(_ segment: [Float]) -> [Int16] {
        var joined: [Float]
        let length = min(carry.count, segment.count, overlap)
        if length > 0 {
            joined = Array(carry.dropLast(length))
            joined.reserveCapacity(joined.count + segment.count)
            let tail = carry.count - length
            // A segment shorter than the overlap gets a crossfade of its own length.
            let curve = length == overlap ? gains : RaisedCosine.equalPower(length)
            for index in 0..<length {
                joined.append(carry[tail + index] * curve.out[index] + segment[index] * curve.in[index])
            }
            joined.append(contentsOf: segment[length...])
        } else {
            joined = carry + segment
        }
        let keep = min(overlap, joined.count)
        carry = Array(joined.suffix(keep))
        pending.append(contentsOf: joined.dropLast(keep))
        return takeFrames(padding: false)
    }

    /// Emits everything held back, padded with silence to a whole frame.
    public mutating func flush() -> [Int16] {
        pending.append(contentsOf: carry)
        carry.removeAll()
        return takeFrames(padding: true)
    }

    /// Forgets everything held back (after an interruption).
    public mutating func reset() {
        carry.removeAll()
        pending.removeAll()
    }

    private mutating func takeFrames(padding: Bool) -> [Int16] {
        if padding, pending.count % frameSamples != 0 {
            pending.append(contentsOf: repeatElement(0, count: frameSamples - pending.count % frameSamples))
        }
        let whole = pending.count / frameSamples * frameSamples
        guard whole > 0 else { return [] }
        let frames = PCM16.quantize(pending[0..<whole])
        pending.removeFirst(whole)
        return frames
    }
}
