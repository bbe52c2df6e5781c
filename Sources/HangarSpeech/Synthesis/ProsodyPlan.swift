import Foundation

/// Splits a requested rate and pitch between the synthesiser (as much as it can do natively,
/// which sounds best) and the pipeline's DSP (the rest): a time-stretch by `stretch` and a
/// reinterpretation of the sample rate by `pitchFactor` before resampling, which together
/// shift the pitch by the remaining semitones and keep the remaining rate.
public struct ProsodyPlan: Sendable, Equatable {
    public var nativeRate: Double
    public var nativePitch: Double
    /// Duration multiplier for WSOLA (1 = none).
    public var stretch: Double
    /// Frequency multiplier applied by resampling from `rate × pitchFactor` (1 = none).
    public var pitchFactor: Double

    public init(rate: Double, pitch: Double, capabilities: SynthesizerCapabilities) {
        nativeRate = capabilities.nativeRate.map { min(max(rate, $0.lowerBound), $0.upperBound) } ?? 1
        nativePitch = capabilities.nativePitch.map { min(max(pitch, $0.lowerBound), $0.upperBound) } ?? 0
        let residualRate = rate / nativeRate
        pitchFactor = pow(2, (pitch - nativePitch) / 12)
        let stretch = pitchFactor / residualRate
        self.stretch = abs(stretch - 1) < 1e-4 ? 1 : stretch
        if abs(pitchFactor - 1) < 1e-6 { pitchFactor = 1 }
    }

    public var needsStretch: Bool { stretch != 1 }
}
