import Foundation
import HangarSpeech
import Testing

/// Temporary directories, configurations and the espeak-ng requirement.
enum SpeechTestSupport {
    struct MissingEspeak: Error, CustomStringConvertible {
        var description: String { "espeak-ng is not installed: these tests need it (apt-get install espeak-ng; scripts/test installs it)" }
    }

    /// espeak-ng's path. Tests that need it fail (never skip) when it is missing.
    static func requireEspeak() throws -> String {
        let synthesizer = EspeakSynthesizer()
        guard let path = synthesizer.executable, FileManager.default.isExecutableFile(atPath: path) else {
            Issue.record("espeak-ng is not installed; install it with apt-get install espeak-ng (scripts/test does)")
            throw MissingEspeak()
        }
        return path
    }

    static func temporaryDirectory(_ name: String = "speech") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func configuration(voices: URL? = nil, parallel: Int = 2) throws -> SpeechConfiguration {
        var configuration = SpeechConfiguration(voicesDirectory: try voices ?? temporaryDirectory("voices"))
        configuration.parallel = parallel
        configuration.registryPollInterval = .milliseconds(100)
        return configuration
    }

    static func espeakService(parallel: Int = 2, configure: (inout SpeechConfiguration) -> Void = { _ in }) throws -> SpeechService {
        _ = try requireEspeak()
        var configuration = try configuration(parallel: parallel)
        configure(&configuration)
        return SpeechService(configuration: configuration)
    }

    /// A sine tone as a WAV file (16-bit mono), for reference audio.
    static func writeTone(to url: URL, seconds: Double, sampleRate: Int = 24_000, frequency: Double = 220) throws {
        let samples = AudioAnalysis.sine(frequency: frequency, seconds: seconds, sampleRate: sampleRate, amplitude: 0.4)
        try Data(WAVEncoder.file(sampleRate: sampleRate, samples: PCM16.quantize(samples))).write(to: url)
    }

    /// A well-known WAV header, field by field.
    struct WAVHeader {
        var riff: String, riffSize: UInt32, wave: String, fmt: String, fmtSize: UInt32, format: UInt16, channels: UInt16
        var sampleRate: UInt32, byteRate: UInt32, blockAlign: UInt16, bits: UInt16, data: String, dataSize: UInt32

        init(_ bytes: [UInt8]) {
            func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) } }
            func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
            func tag(_ at: Int) -> String { String(decoding: bytes[at..<at + 4], as: UTF8.self) }
            riff = tag(0)
            riffSize = u32(4)
            wave = tag(8)
            fmt = tag(12)
            fmtSize = u32(16)
            format = u16(20)
            channels = u16(22)
            sampleRate = u32(24)
            byteRate = u32(28)
            blockAlign = u16(32)
            bits = u16(34)
            data = tag(36)
            dataSize = u32(40)
        }
    }
}
