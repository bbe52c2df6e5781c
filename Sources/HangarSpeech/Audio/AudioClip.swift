/// Mono audio as floating-point samples in [-1, 1] at a given sample rate: what synthesisers
/// return and what the DSP stages (stretching, resampling, shaping) pass along.
public struct AudioClip: Sendable, Equatable {
    public var sampleRate: Int
    public var samples: [Float]

    public init(sampleRate: Int, samples: [Float]) {
        self.sampleRate = sampleRate
        self.samples = samples
    }

    public var duration: Duration {
        guard sampleRate > 0 else { return .zero }
        return .nanoseconds(Int64(samples.count) * 1_000_000_000 / Int64(sampleRate))
    }

    public var seconds: Double { sampleRate > 0 ? Double(samples.count) / Double(sampleRate) : 0 }
}
