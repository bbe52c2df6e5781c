/// Normalises the edges of one synthesised segment so that every engine's output joins the
/// same way: leading and trailing silence are trimmed to a few milliseconds around the
/// speech (threshold −50 dBFS), the cut edges fade in and out over `fadeSamples` (so the
/// segment starts and ends at exactly zero), and then the punctuation-aware pause is added
/// as digital silence: a long one after a sentence, a short one after a comma, none inside
/// a sentence that had to be split, where the splicer's crossfade joins the words instead.
public struct SegmentShaper: Sendable {
    public var sampleRate: Int
    /// Samples at or below this magnitude count as silence.
    public var threshold: Float = 0.003
    public var marginSamples: Int
    public var fadeSamples: Int

    public init(sampleRate: Int, marginMilliseconds: Int = 8, fadeMilliseconds: Int = 5) {
        self.sampleRate = sampleRate
        self.marginSamples = sampleRate * marginMilliseconds / 1000
        self.fadeSamples = max(1, sampleRate * fadeMilliseconds / 1000)
    }

    /// The speech in `samples`, faded at its cut edges, preceded by `leadingSilence` and
    /// followed by `trailingSilence` samples of silence. All-silent input gives just the silence.
    public func shape(_ samples: [Float], leadingSilence: Int, trailingSilence: Int) -> [Float] {
        guard let first = samples.firstIndex(where: { abs($0) > threshold }),
            let last = samples.lastIndex(where: { abs($0) > threshold })
        else {
            return [Float](repeating: 0, count: leadingSilence + trailingSilence)
        }
        let start = max(0, first - marginSamples)
        let end = min(samples.count, last + 1 + marginSamples)
        var content = Array(samples[start..<end])
        let fade = min(fadeSamples, content.count / 2)
        if fade > 0 {
            let curve = RaisedCosine.fadeIn(fade)
            for index in 0..<fade {
                content[index] *= curve[index]
                content[content.count - 1 - index] *= curve[index]
            }
        }
        var output = [Float](repeating: 0, count: leadingSilence)
        output.reserveCapacity(leadingSilence + content.count + trailingSilence)
        output.append(contentsOf: content)
        output.append(contentsOf: repeatElement(0, count: trailingSilence))
        return output
    }
}
