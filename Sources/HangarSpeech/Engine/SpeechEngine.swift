import NIOPosix

/// One segment of text to render, with everything that decides its sound.
public struct SegmentJob: Sendable, Equatable {
    public var text: String
    public var boundary: SegmentBoundary
    /// The previous segment was cut mid-phrase: no leading silence, so the crossfade joins the words.
    public var continuesPrevious: Bool
    public var voice: Voice
    /// The effective rate and pitch (the voice's, adjusted by the request's).
    public var params: SpeechParams

    public init(text: String, boundary: SegmentBoundary, continuesPrevious: Bool = false, voice: Voice, params: SpeechParams) {
        self.text = text
        self.boundary = boundary
        self.continuesPrevious = continuesPrevious
        self.voice = voice
        self.params = params
    }
}

/// Renders segments: synthesis (at most `parallel` at once, across every request and
/// session), the rate and pitch the synthesiser cannot do, resampling to the output rate,
/// and edge shaping with the punctuation-aware pause.
public final class SpeechEngine: Sendable {
    public let configuration: SpeechConfiguration
    public let synthesizer: any SpeechSynthesizer
    public let limiter: WorkerLimiter
    let shaper: SegmentShaper

    public init(configuration: SpeechConfiguration, synthesizer: (any SpeechSynthesizer)? = nil) {
        self.configuration = configuration
        let synthesizer = synthesizer ?? configuration.makeSynthesizer()
        self.synthesizer = synthesizer
        self.limiter = WorkerLimiter(permits: min(configuration.parallel, synthesizer.capabilities.maximumConcurrency))
        self.shaper = SegmentShaper(sampleRate: configuration.format.sampleRate)
    }

    public var format: AudioFormat { configuration.format }

    /// Segments rendered at once.
    public var parallel: Int { limiter.permits }

    public func makeSplicer() -> AudioSplicer {
        AudioSplicer(
            overlap: configuration.format.sampleRate * configuration.overlapMilliseconds / 1000,
            frameSamples: configuration.format.samplesPerFrame
        )
    }

    /// The segment's audio at the output rate, shaped and followed by its pause.
    public func render(_ job: SegmentJob) async throws -> [Float] {
        let plan = ProsodyPlan(rate: job.params.rate, pitch: job.params.pitch, capabilities: synthesizer.capabilities)
        let clip = try await limiter.withPermit {
            try await synthesizer.synthesize(SynthesisRequest(text: job.text, voice: job.voice, rate: plan.nativeRate, pitch: plan.nativePitch))
        }
        try Task.checkCancellation()
        // The DSP is CPU-bound: it runs on NIO's blocking-work pool, not the cooperative one,
        // so that real-time listeners and HTTP handling are never starved of a thread.
        return try await NIOThreadPool.singleton.runIfActive { self.process(clip, plan: plan, job: job) }
    }

    /// The DSP after synthesis: stretch, resample (with the pitch factor), shape.
    func process(_ clip: AudioClip, plan: ProsodyPlan, job: SegmentJob) -> [Float] {
        var samples = clip.samples
        if plan.needsStretch { samples = TimeStretcher.stretch(samples, sampleRate: clip.sampleRate, factor: plan.stretch) }
        let output = Double(configuration.format.sampleRate)
        samples = Resampler.resample(samples, from: Double(clip.sampleRate) * plan.pitchFactor, to: output)
        let overlap = configuration.format.sampleRate * configuration.overlapMilliseconds / 1000
        return shaper.shape(samples, leadingSilence: job.continuesPrevious ? 0 : overlap, trailingSilence: pauseSamples(after: job.boundary))
    }

    func pauseSamples(after boundary: SegmentBoundary) -> Int {
        let milliseconds: Int
        switch boundary {
        case .paragraph: milliseconds = configuration.paragraphPauseMilliseconds
        case .sentence: milliseconds = configuration.sentencePauseMilliseconds
        case .clause: milliseconds = configuration.clausePauseMilliseconds
        case .word, .hard: milliseconds = 0
        }
        return configuration.format.sampleRate * milliseconds / 1000
    }

    /// A quick estimate of how long `text` takes to say, before synthesis: espeak-ng's
    /// 175 words a minute at rate 1, plus the pauses.
    public func estimatedMilliseconds(_ segments: [TextSegment], rate: Double) -> Int {
        var milliseconds = 0.0
        for segment in segments {
            let words = segment.text.split(whereSeparator: { $0.isWhitespace }).count
            milliseconds += Double(words) * 60_000 / (EspeakSynthesizer.normalWordsPerMinute * max(rate, 0.1))
            milliseconds +=
                Double(pauseSamples(after: segment.boundary) + configuration.format.sampleRate * configuration.overlapMilliseconds / 1000)
                * 1000 / Double(configuration.format.sampleRate)
        }
        return Int(milliseconds.rounded())
    }
}
