/// The one format Hangar delivers speech in: mono, 16-bit signed little-endian PCM at
/// `sampleRate` (48 kHz by default, as WebRTC/Opus expects), cut into frames of `frameMilliseconds`.
public struct AudioFormat: Sendable, Equatable {
    public var sampleRate: Int
    public var frameMilliseconds: Int

    public init(sampleRate: Int = 48_000, frameMilliseconds: Int = 20) {
        self.sampleRate = sampleRate
        self.frameMilliseconds = frameMilliseconds
    }

    public static let channels = 1
    public static let bytesPerSample = 2

    public var samplesPerFrame: Int { sampleRate * frameMilliseconds / 1000 }
    public var bytesPerFrame: Int { samplesPerFrame * Self.bytesPerSample }

    /// Milliseconds of audio in `frames` frames.
    public func milliseconds(frames: Int) -> Int { frames * frameMilliseconds }

    /// Frames needed to hold `milliseconds` of audio, rounded up.
    public func frames(milliseconds: Int) -> Int { (milliseconds + frameMilliseconds - 1) / frameMilliseconds }
}
