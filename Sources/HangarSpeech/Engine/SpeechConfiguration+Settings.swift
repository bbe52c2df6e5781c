public import Configuration
import Foundation
public import HangarSettings

extension SpeechConfiguration {
    enum Keys {
        static let backend = Setting(
            "backend", environment: "HANGAR_TTS_BACKEND", value: "espeak, openai, f5", default: "`espeak`",
            help: "`espeak`, `openai` or `f5`.")
        static let espeak = Setting(
            "espeak", environment: "HANGAR_TTS_ESPEAK", value: "command", default: "`espeak-ng`",
            help: "The espeak-ng command (a path or a name on `PATH`)")
        static let url = Setting(
            "url", environment: "HANGAR_TTS_URL", value: "URL or host:port", default: "unset",
            help: "`openai`: the server's http(s) URL; `f5`: `host:port` or `tcp://host:port` (port 9998 by default)")
        static let apiKey = Setting(
            "api_key", environment: "HANGAR_TTS_API_KEY", value: "text", default: "unset", secret: true,
            help: "`openai`: bearer key.")
        static let model = Setting(
            "model", environment: "HANGAR_TTS_MODEL", value: "text", default: "`tts-1`",
            help: "`openai`: `model`.")
        static let responseFormat = Setting(
            "response_format", environment: "HANGAR_TTS_RESPONSE_FORMAT", value: "wav, pcm", default: "`wav`",
            help: "`openai`: `wav` or `pcm`.")
        static let serverSampleRate = Setting(
            "server_sample_rate", environment: "HANGAR_TTS_SAMPLE_RATE", value: "8000–192000", default: "`24000`",
            help: "`openai` with `pcm`, and `f5`: the rate of the samples the server sends.")
        static let sendReference = Setting(
            "send_reference", environment: "HANGAR_TTS_SEND_REFERENCE", value: "true/false", default: "`false`",
            help: "`openai`: send `ref_text` and `ref_audio` (base64)")
        static let engineVoice = Setting(
            "engine_voice", environment: "HANGAR_TTS_VOICE", value: "voice name", default: "`en-us` / `alloy`",
            help: "The synthesiser's voice for voices without `engine_voice`.")
        static let timeout = Setting(
            "timeout", environment: "HANGAR_TTS_TIMEOUT", value: "seconds, 1–600", default: "`30`",
            help: "Seconds one segment may take.")
        static let voicesDir = Setting(
            "voices_dir", environment: "YAP_VOICES_DIR", value: "directory", default: "`<data-dir>/voices`",
            help: "Holds `voices.json` and the reference audio.")
        static let defaultVoice = Setting(
            "default_voice", environment: "YAP_SPK_DEFAULT", value: "voice id", default: "`default`",
            help: "The voice used when a request names none.")
        static let voicesPollMs = Setting(
            "voices_poll_ms", environment: "HANGAR_TTS_VOICES_POLL_MS", value: "50–60000", default: "`1000`",
            help: "How often `voices.json` is checked for changes.")
        static let sampleRate = Setting(
            "sample_rate", environment: "YAP_SR", value: "8000–192000", default: "`48000`",
            help: "Output sample rate.")
        static let frameMs = Setting(
            "frame_ms", environment: "YAP_FRAME_MS", value: "10–120", default: "`20`",
            help: "Frame length (a whole number of samples)")
        static let maxSegmentChars = Setting(
            "max_segment_chars", environment: "YAP_MAX_CHARS", value: "20–5000", default: "`350`",
            help: "Longest segment.")
        static let firstSegmentChars = Setting(
            "first_segment_chars", environment: "HANGAR_TTS_FIRST_SEGMENT_CHARS", value: "20–5000", default: "`120`",
            help: "Longest first segment of a session.")
        static let parallel = Setting(
            "parallel", environment: "YAP_PARALLEL", value: "1–64", default: "`2`",
            help: "Segments synthesised at once, per process.")
        static let overlapMs = Setting(
            "overlap_ms", environment: "YAP_OVERLAP_MS", value: "0–200", default: "`30`",
            help: "Crossfade at each join.")
        static let jitterMs = Setting(
            "jitter_ms", environment: "HANGAR_TTS_JITTER_MS", value: "0–5000", default: "`60`",
            help: "Audio a real-time listener gathers before playing.")
        static let aheadSeconds = Setting(
            "ahead_seconds", environment: "YAP_JITTER_MAX_SEC", value: "0.5–600", default: "`6`",
            help: "Audio a session synthesises ahead of its slowest listener.")
        static let maxTextChars = Setting(
            "max_text_chars", environment: "HANGAR_TTS_MAX_TEXT_CHARS", value: "1–1000000", default: "`5000`",
            help: "Characters in one `speak` or `stream/text` (`422` beyond)")
        static let maxQueuedChars = Setting(
            "max_queued_chars", environment: "HANGAR_TTS_MAX_QUEUED_CHARS", value: "1–10000000", default: "`20000`",
            help: "Characters a session holds unspoken (`429` beyond)")
        static let maxSessions = Setting(
            "max_sessions", environment: "HANGAR_TTS_MAX_SESSIONS", value: "1–100000", default: "`32`",
            help: "Sessions open at once (`429` beyond; finished ones make room)")
        static let maxRequests = Setting(
            "max_requests", environment: "HANGAR_TTS_MAX_REQUESTS", value: "1–100000", default: "`16`",
            help: "`speak` requests synthesising at once (`429` beyond)")
        static let maxStoredAudioMb = Setting(
            "max_stored_audio_mb", environment: "HANGAR_TTS_MAX_STORED_AUDIO_MB", value: "1–1000000", default: "`256`",
            help: "Finished `speak` audio kept, all requests together.")
        static let resultTtl = Setting(
            "result_ttl", environment: "HANGAR_TTS_RESULT_TTL", value: "seconds, 1–604800", default: "`600`",
            help: "Seconds a finished `speak` request and its audio are kept.")
        static let sessionIdleTimeout = Setting(
            "session_idle_timeout", environment: "HANGAR_TTS_SESSION_IDLE_TIMEOUT", value: "seconds, 1–86400", default: "`300`",
            help: "Seconds an open session without text, listener or audio to play lives.")
        static let all = [backend, espeak, url, apiKey, model, responseFormat, serverSampleRate, sendReference, engineVoice, timeout, voicesDir, defaultVoice, voicesPollMs, sampleRate, frameMs, maxSegmentChars, firstSegmentChars, parallel, overlapMs, jitterMs, aheadSeconds, maxTextChars, maxQueuedChars, maxSessions, maxRequests, maxStoredAudioMb, resultTtl, sessionIdleTimeout]
    }

    /// The `speech` area ([speech](speech.md)): the synthesiser, the pipeline's audio format and
    /// pacing, and the service's limits. `YAP_*` are the seed's own names.
    public static let settings = SettingsArea(
        "speech", summary: "Text-to-speech: the synthesiser, the audio the pipeline makes, and the service's limits ([speech](speech.md)).",
        settings: Keys.all)

    /// Reads the `speech` area, with the voices directory defaulting to `<dataDirectory>/voices`.
    public init(config: ConfigReader, dataDirectory: String) throws {
        let directory = try config.text(Keys.voicesDir) ?? URL(fileURLWithPath: dataDirectory).appendingPathComponent("voices").path
        var configuration = SpeechConfiguration(voicesDirectory: URL(fileURLWithPath: directory))
        let timeout = try config.double(Keys.timeout, in: 1...600) ?? 30
        configuration.synthesisTimeout = .milliseconds(Int(timeout * 1000))
        switch try config.text(Keys.backend)?.lowercased() ?? "espeak" {
        case "espeak", "espeak-ng":
            configuration.backend = .espeak(executable: try config.text(Keys.espeak) ?? "espeak-ng")
        case "openai":
            guard let url = try config.text(Keys.url), url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw InvalidSetting(key: Keys.url.key, problem: "must be the server's http(s) URL for the openai backend")
            }
            var settings = OpenAISettings(url: url, apiKey: try config.text(Keys.apiKey), model: try config.text(Keys.model) ?? "tts-1")
            if let format = try config.text(Keys.responseFormat) {
                guard let parsed = OpenAISpeechSynthesizer.ResponseFormat(rawValue: format) else {
                    throw InvalidSetting(key: Keys.responseFormat.key, problem: "must be wav or pcm, got '\(format)'")
                }
                settings.responseFormat = parsed
            }
            settings.pcmSampleRate = try config.int(Keys.serverSampleRate, in: 8000...192_000) ?? 24_000
            settings.sendReference = try config.bool(Keys.sendReference) ?? false
            configuration.backend = .openAI(settings)
        case "f5", "f5-tts":
            guard let address = try config.text(Keys.url), let (host, port) = Self.hostAndPort(address, defaultPort: 9998) else {
                throw InvalidSetting(key: Keys.url.key, problem: "must be the f5 socket server's address for the f5 backend, e.g. tcp://gpu-host:9998")
            }
            configuration.backend = .f5(host: host, port: port, sampleRate: try config.int(Keys.serverSampleRate, in: 8000...192_000) ?? 24_000)
        case let other:
            throw InvalidSetting(key: Keys.backend.key, problem: "must be espeak, openai or f5, got '\(other)'")
        }
        if let voice = try config.text(Keys.engineVoice) {
            guard VoiceValidator.checkEngineVoice(voice) else { throw InvalidSetting(key: Keys.engineVoice.key, problem: "is not a voice name: '\(voice)'") }
            configuration.engineVoice = voice
        }
        if let id = try config.text(Keys.defaultVoice) {
            if let issue = VoiceValidator.checkID(id) { throw InvalidSetting(key: Keys.defaultVoice.key, problem: "is not usable: \(issue.message)") }
            configuration.defaultVoiceID = id
        }
        let rate = try config.int(Keys.sampleRate, in: 8000...192_000) ?? 48_000
        let frame = try config.int(Keys.frameMs, in: 10...120) ?? 20
        guard (rate * frame) % 1000 == 0 else {
            throw InvalidSetting(key: Keys.frameMs.key, problem: "\(frame) ms is not a whole number of samples at \(rate) Hz")
        }
        configuration.format = AudioFormat(sampleRate: rate, frameMilliseconds: frame)
        configuration.maximumSegmentCharacters = try config.int(Keys.maxSegmentChars, in: 20...5000) ?? 350
        configuration.firstSegmentCharacters = try config.int(Keys.firstSegmentChars, in: 20...5000) ?? 120
        configuration.parallel = try config.int(Keys.parallel, in: 1...64) ?? 2
        configuration.overlapMilliseconds = try config.int(Keys.overlapMs, in: 0...200) ?? 30
        configuration.jitterTargetMilliseconds = try config.int(Keys.jitterMs, in: 0...5000) ?? 60
        configuration.bufferAhead = .milliseconds(Int((try config.double(Keys.aheadSeconds, in: 0.5...600) ?? 6) * 1000))
        configuration.registryPollInterval = .milliseconds(try config.int(Keys.voicesPollMs, in: 50...60_000) ?? 1000)
        var limits = Limits()
        limits.maximumTextCharacters = try config.int(Keys.maxTextChars, in: 1...1_000_000) ?? limits.maximumTextCharacters
        limits.maximumQueuedCharacters = try config.int(Keys.maxQueuedChars, in: 1...10_000_000) ?? limits.maximumQueuedCharacters
        limits.maximumSessions = try config.int(Keys.maxSessions, in: 1...100_000) ?? limits.maximumSessions
        limits.maximumActiveRequests = try config.int(Keys.maxRequests, in: 1...100_000) ?? limits.maximumActiveRequests
        limits.maximumStoredAudioBytes = (try config.int(Keys.maxStoredAudioMb, in: 1...1_000_000) ?? 256) << 20
        limits.requestRetention = .seconds(try config.int(Keys.resultTtl, in: 1...86_400 * 7) ?? 600)
        limits.sessionIdleTimeout = .seconds(try config.int(Keys.sessionIdleTimeout, in: 1...86_400) ?? 300)
        configuration.limits = limits
        self = configuration
    }
}
