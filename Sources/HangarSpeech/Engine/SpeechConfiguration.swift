import Foundation

/// Everything the speech service needs to know, with the defaults of the original `yap.py`
/// where it had one. `fromEnvironment` reads the variables documented in docs/speech.md.
public struct SpeechConfiguration: Sendable {
    /// Which synthesiser speaks.
    public enum Backend: Sendable, Equatable {
        /// espeak-ng, run per segment; `executable` is a path or a name on PATH.
        case espeak(executable: String)
        /// An OpenAI-compatible `POST /v1/audio/speech` server.
        case openAI(OpenAISettings)
        /// F5-TTS's socket server.
        case f5(host: String, port: Int, sampleRate: Int)
    }

    public struct OpenAISettings: Sendable, Equatable {
        public var url: String
        public var apiKey: String?
        public var model: String
        public var responseFormat: OpenAISpeechSynthesizer.ResponseFormat
        public var pcmSampleRate: Int
        public var sendReference: Bool

        public init(
            url: String,
            apiKey: String? = nil,
            model: String = "tts-1",
            responseFormat: OpenAISpeechSynthesizer.ResponseFormat = .wav,
            pcmSampleRate: Int = 24_000,
            sendReference: Bool = false
        ) {
            self.url = url
            self.apiKey = apiKey
            self.model = model
            self.responseFormat = responseFormat
            self.pcmSampleRate = pcmSampleRate
            self.sendReference = sendReference
        }
    }

    /// Bounds on what the in-memory state may hold.
    public struct Limits: Sendable, Equatable {
        /// Characters in one `speak` text or one `stream/text` call.
        public var maximumTextCharacters = 5_000
        /// Characters a session may hold that are not yet synthesised.
        public var maximumQueuedCharacters = 20_000
        /// Stream sessions open at once.
        public var maximumSessions = 32
        /// `speak` requests being synthesised at once.
        public var maximumActiveRequests = 16
        /// Audio of one `speak` request.
        public var maximumRequestAudio: Duration = .seconds(600)
        /// Finished `speak` audio kept for `GET …/audio`, all requests together (oldest dropped first).
        public var maximumStoredAudioBytes = 256 << 20
        /// Finished `speak` requests kept (oldest dropped first).
        public var maximumStoredRequests = 1024
        /// How long a finished `speak` request (and its audio) is kept.
        public var requestRetention: Duration = .seconds(600)
        /// A session with no text, no listener and no audio to play for this long is closed.
        public var sessionIdleTimeout: Duration = .seconds(300)
        /// How long a finished session stays readable (status, audio still buffered).
        public var sessionRetention: Duration = .seconds(60)

        public init() {}
    }

    public var backend: Backend
    /// `YAP_VOICES_DIR`: holds `voices.json` and the reference audio.
    public var voicesDirectory: URL
    /// `YAP_SPK_DEFAULT`.
    public var defaultVoiceID = "default"
    /// The synthesiser's own voice for voices without `engine_voice` (`en-us`, `alloy`).
    public var engineVoice: String?
    /// `YAP_SR`, `YAP_FRAME_MS`.
    public var format = AudioFormat()
    /// `YAP_MAX_CHARS`.
    public var maximumSegmentCharacters = 350
    /// The first segment of a stream is cut shorter, so that its audio starts sooner.
    public var firstSegmentCharacters = 120
    /// `YAP_PARALLEL`: segments synthesised at once, across all requests and sessions.
    public var parallel = 2
    /// `YAP_OVERLAP_MS`: crossfade at each join.
    public var overlapMilliseconds = 30
    /// Silence after a sentence, a blank line, and a clause cut.
    public var sentencePauseMilliseconds = 250
    public var paragraphPauseMilliseconds = 500
    public var clausePauseMilliseconds = 150
    /// A real-time listener's jitter buffer: frames gathered before playing, and most it grows to after underruns.
    public var jitterTargetMilliseconds = 60
    public var jitterMaximumMilliseconds = 400
    /// `YAP_JITTER_MAX_SEC`: audio a session synthesises ahead of its slowest listener.
    public var bufferAhead: Duration = .seconds(6)
    /// One synthesiser call.
    public var synthesisTimeout: Duration = .seconds(30)
    /// How often `voices.json` is checked for changes.
    public var registryPollInterval: Duration = .seconds(1)
    public var limits = Limits()

    public init(backend: Backend = .espeak(executable: "espeak-ng"), voicesDirectory: URL) {
        self.backend = backend
        self.voicesDirectory = voicesDirectory
    }

    /// The synthesiser this configuration names.
    public func makeSynthesizer() -> any SpeechSynthesizer {
        switch backend {
        case .espeak(let executable):
            return EspeakSynthesizer(
                executable: executable,
                defaultVoice: engineVoice ?? "en-us",
                timeout: synthesisTimeout,
                maximumConcurrency: parallel
            )
        case .openAI(let settings):
            return OpenAISpeechSynthesizer(
                url: settings.url,
                apiKey: settings.apiKey,
                model: settings.model,
                defaultVoice: engineVoice ?? "alloy",
                responseFormat: settings.responseFormat,
                pcmSampleRate: settings.pcmSampleRate,
                timeout: synthesisTimeout,
                sendReference: settings.sendReference,
                maximumConcurrency: parallel
            )
        case .f5(let host, let port, let sampleRate):
            return F5SocketSynthesizer(host: host, port: port, sampleRate: sampleRate, timeout: synthesisTimeout)
        }
    }
}
