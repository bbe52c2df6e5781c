/// A text-to-speech engine: turns one segment of text into audio at whatever rate it likes.
/// Everything after that (rate and pitch it cannot do itself, resampling, joins, frames) is
/// the pipeline's job, so a synthesiser only has to speak.
public protocol SpeechSynthesizer: Sendable {
    /// `espeak-ng`, `openai`, `f5`: shown in status and errors.
    var name: String { get }
    var capabilities: SynthesizerCapabilities { get }
    /// Nil when it can synthesise; otherwise why not (shown in status, answered with 503).
    func readiness() async -> String?
    func synthesize(_ request: SynthesisRequest) async throws -> AudioClip
}

/// What a synthesiser can do itself. Rate and pitch outside these ranges are done by the
/// pipeline (WSOLA time-stretching and resampling).
public struct SynthesizerCapabilities: Sendable, Equatable {
    /// Speaking-rate multipliers it renders natively.
    public var nativeRate: ClosedRange<Double>?
    /// Pitch shifts in semitones it renders natively.
    public var nativePitch: ClosedRange<Double>?
    /// Most segments it should synthesise at once (a single-connection server: 1).
    public var maximumConcurrency: Int

    public init(nativeRate: ClosedRange<Double>?, nativePitch: ClosedRange<Double>?, maximumConcurrency: Int) {
        self.nativeRate = nativeRate
        self.nativePitch = nativePitch
        self.maximumConcurrency = max(1, maximumConcurrency)
    }
}

/// One segment to speak, with the part of the rate and pitch the synthesiser renders itself.
public struct SynthesisRequest: Sendable, Equatable {
    public var text: String
    public var voice: Voice
    /// Rate multiplier within `capabilities.nativeRate` (1 when it has none).
    public var rate: Double
    /// Semitones within `capabilities.nativePitch` (0 when it has none).
    public var pitch: Double

    public init(text: String, voice: Voice, rate: Double = 1, pitch: Double = 0) {
        self.text = text
        self.voice = voice
        self.rate = rate
        self.pitch = pitch
    }
}
