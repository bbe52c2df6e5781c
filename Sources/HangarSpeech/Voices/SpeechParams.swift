/// Rate and pitch: `rate` multiplies the speaking rate (1 = normal, 2 = twice as fast),
/// `pitch` shifts the voice in semitones (−12 … +12). A voice has its own; a request's are
/// applied on top of the voice's (rates multiply, pitches add), so `{rate: 1, pitch: 0}`
/// means "the voice as configured".
public struct SpeechParams: Sendable, Equatable {
    public var rate: Double
    public var pitch: Double

    public static let rates: ClosedRange<Double> = 0.25...4.0
    public static let pitches: ClosedRange<Double> = -12.0...12.0
    public static let neutral = SpeechParams()

    public init(rate: Double = 1, pitch: Double = 0) {
        self.rate = rate
        self.pitch = pitch
    }

    /// These (a voice's) adjusted by `request`, kept within the allowed ranges.
    public func adjusted(by request: SpeechParams) -> SpeechParams {
        SpeechParams(
            rate: min(max(rate * request.rate, Self.rates.lowerBound), Self.rates.upperBound),
            pitch: min(max(pitch + request.pitch, Self.pitches.lowerBound), Self.pitches.upperBound)
        )
    }
}
