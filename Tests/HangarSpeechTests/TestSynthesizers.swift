import Foundation
import HangarSpeech

/// Wraps a synthesiser and delays each segment, so that later segments can finish first.
struct DelayedSynthesizer: SpeechSynthesizer {
    let base: any SpeechSynthesizer
    let delay: @Sendable (String) -> Duration
    let concurrency: Int

    var name: String { base.name }
    var capabilities: SynthesizerCapabilities {
        var capabilities = base.capabilities
        capabilities.maximumConcurrency = concurrency
        return capabilities
    }
    func readiness() async -> String? { await base.readiness() }
    func synthesize(_ request: SynthesisRequest) async throws -> AudioClip {
        try await Task.sleep(for: delay(request.text))
        return try await base.synthesize(request)
    }
}

/// Speaks "s7." as 0.15 s of a tone at 300 + 40 × 7 Hz: the order of segments is audible.
struct ToneSynthesizer: SpeechSynthesizer {
    var delay: @Sendable (Int) -> Duration = { _ in .zero }

    var name: String { "tone" }
    var capabilities: SynthesizerCapabilities { SynthesizerCapabilities(nativeRate: nil, nativePitch: nil, maximumConcurrency: 8) }
    func readiness() async -> String? { nil }

    static func index(_ text: String) -> Int { Int(text.filter(\.isNumber)) ?? 0 }
    static func frequency(_ index: Int) -> Double { 300 + 40 * Double(index) }

    func synthesize(_ request: SynthesisRequest) async throws -> AudioClip {
        let index = Self.index(request.text)
        try await Task.sleep(for: delay(index))
        return AudioClip(sampleRate: 24_000, samples: AudioAnalysis.sine(frequency: Self.frequency(index), seconds: 0.15, sampleRate: 24_000))
    }
}
