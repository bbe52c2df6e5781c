import Foundation
import HangarErrorText

/// espeak-ng (Debian's `espeak-ng` package), run as a command per segment.
///
/// Why the command and not `libespeak-ng`: the library keeps one global synthesiser per
/// process (`espeak_Initialize`), so segments could only be synthesised one at a time; a
/// process per segment runs `YAP_PARALLEL` of them on separate cores. A crash or hang in the
/// C code on hostile text (espeak-ng 1.51 has had buffer overflows, CVE-2023-49990…49994)
/// kills one child, not the control plane, and a timeout can always end it. It costs about
/// 4 ms of process start per segment, far below the time to speak the segment.
///
/// Text goes in through a UTF-8 file (`-b 1 -f`), never the command line; audio comes back
/// as a complete WAV file (`-w`): 22050 Hz, 16-bit, mono. The rate is rendered by espeak-ng
/// itself (`-s`, words per minute: its own timing rules, not a stretched waveform). Pitch is
/// not: `-p` moves the base pitch but not the intonation's range, so the shift it gives
/// depends on the sentence (measured here: `-p 74` is +5 semitones on a held vowel, +3 on a
/// sentence); the pipeline's resampling shifts by exactly the semitones asked.
public struct EspeakSynthesizer: SpeechSynthesizer {
    public let executable: String?
    public let defaultVoice: String
    public let timeout: Duration
    public let maximumConcurrency: Int

    /// espeak-ng's own speaking rate at `-s 175`, and the range of `-s` it renders cleanly.
    static let normalWordsPerMinute = 175.0
    static let wordsPerMinute = 80.0...450.0

    public init(executable: String? = nil, defaultVoice: String = "en-us", timeout: Duration = .seconds(30), maximumConcurrency: Int = 8) {
        self.executable = executable.flatMap { $0.contains("/") ? $0 : Self.find($0) } ?? Self.find("espeak-ng")
        self.defaultVoice = defaultVoice
        self.timeout = timeout
        self.maximumConcurrency = maximumConcurrency
    }

    public var name: String { "espeak-ng" }

    public var capabilities: SynthesizerCapabilities {
        SynthesizerCapabilities(
            nativeRate: Self.wordsPerMinute.lowerBound / Self.normalWordsPerMinute...Self.wordsPerMinute.upperBound / Self.normalWordsPerMinute,
            nativePitch: nil,
            maximumConcurrency: maximumConcurrency
        )
    }

    public func readiness() async -> String? {
        guard let executable, FileManager.default.isExecutableFile(atPath: executable) else {
            return "espeak-ng is not installed (apt-get install espeak-ng) or HANGAR_TTS_ESPEAK does not name it"
        }
        return nil
    }

    public func synthesize(_ request: SynthesisRequest) async throws -> AudioClip {
        guard let executable, FileManager.default.isExecutableFile(atPath: executable) else {
            throw SpeechError.unavailable(await readiness() ?? "espeak-ng is not available")
        }
        let voice = request.voice.engineVoice ?? defaultVoice
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-espeak-\(UUID().uuidString)")
        let textFile = base.appendingPathExtension("txt")
        let audioFile = base.appendingPathExtension("wav")
        let errorFile = base.appendingPathExtension("err")
        defer { for file in [textFile, audioFile, errorFile] { try? FileManager.default.removeItem(at: file) } }
        try Data(request.text.utf8).write(to: textFile)
        let wordsPerMinute = Int((Self.normalWordsPerMinute * request.rate).rounded())
        let arguments = [
            "-b", "1", "-v", voice, "-s", "\(min(max(wordsPerMinute, 80), 450))",
            "-w", audioFile.path, "-f", textFile.path,
        ]
        let outcome = try await ProcessRunner.run(executable: executable, arguments: arguments, standardError: errorFile, timeout: timeout)
        if outcome.timedOut { throw SpeechError.timeout("espeak-ng did not finish within \(timeout)") }
        guard outcome.status == 0 else {
            let message = (try? String(contentsOf: errorFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            throw SpeechError.synthesis("espeak-ng exited with status \(outcome.status)\(message.isEmpty ? "" : ": \(message.prefix(300))")")
        }
        let bytes = try [UInt8](Data(contentsOf: audioFile))
        do {
            return try WAVDecoder.decode(bytes)
        } catch {
            throw SpeechError.synthesis("espeak-ng wrote unreadable audio: \(ErrorText.describe(error))")
        }
    }

    /// The first executable named `name` on PATH.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
