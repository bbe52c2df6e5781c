import Foundation

/// An environment variable with a value Hangar cannot use.
public struct SpeechConfigurationError: Error, Sendable, CustomStringConvertible {
    public var variable: String
    public var message: String
    public var description: String { "\(variable): \(message)" }
}

extension SpeechConfiguration {
    /// The configuration from environment variables (see docs/speech.md), with the voices
    /// directory defaulting to `<dataDirectory>/voices`.
    public static func fromEnvironment(
        dataDirectory: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws
        -> SpeechConfiguration
    {
        let reader = EnvironmentReader(environment: environment)
        let directory = reader.string("YAP_VOICES_DIR") ?? URL(fileURLWithPath: dataDirectory).appendingPathComponent("voices").path
        var configuration = SpeechConfiguration(voicesDirectory: URL(fileURLWithPath: directory))
        let timeout = try reader.double("HANGAR_TTS_TIMEOUT", in: 1...600) ?? 30
        configuration.synthesisTimeout = .milliseconds(Int(timeout * 1000))
        switch reader.string("HANGAR_TTS_BACKEND")?.lowercased() ?? "espeak" {
        case "espeak", "espeak-ng":
            configuration.backend = .espeak(executable: reader.string("HANGAR_TTS_ESPEAK") ?? "espeak-ng")
        case "openai":
            guard let url = reader.string("HANGAR_TTS_URL"), url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw SpeechConfigurationError(variable: "HANGAR_TTS_URL", message: "the openai backend needs the server's http(s) URL")
            }
            var settings = OpenAISettings(url: url, apiKey: reader.string("HANGAR_TTS_API_KEY"), model: reader.string("HANGAR_TTS_MODEL") ?? "tts-1")
            if let format = reader.string("HANGAR_TTS_RESPONSE_FORMAT") {
                guard let parsed = OpenAISpeechSynthesizer.ResponseFormat(rawValue: format) else {
                    throw SpeechConfigurationError(variable: "HANGAR_TTS_RESPONSE_FORMAT", message: "must be wav or pcm")
                }
                settings.responseFormat = parsed
            }
            settings.pcmSampleRate = try reader.int("HANGAR_TTS_SAMPLE_RATE", in: 8000...192_000) ?? 24_000
            settings.sendReference = try reader.bool("HANGAR_TTS_SEND_REFERENCE") ?? false
            configuration.backend = .openAI(settings)
        case "f5", "f5-tts":
            guard let address = reader.string("HANGAR_TTS_URL"), let (host, port) = Self.hostAndPort(address, defaultPort: 9998) else {
                throw SpeechConfigurationError(
                    variable: "HANGAR_TTS_URL",
                    message: "the f5 backend needs the socket server's address, e.g. tcp://gpu-host:9998"
                )
            }
            configuration.backend = .f5(host: host, port: port, sampleRate: try reader.int("HANGAR_TTS_SAMPLE_RATE", in: 8000...192_000) ?? 24_000)
        case let other:
            throw SpeechConfigurationError(variable: "HANGAR_TTS_BACKEND", message: "unknown backend '\(other)'; use espeak, openai or f5")
        }
        if let voice = reader.string("HANGAR_TTS_VOICE") {
            guard VoiceValidator.checkEngineVoice(voice) else {
                throw SpeechConfigurationError(variable: "HANGAR_TTS_VOICE", message: "not a voice name")
            }
            configuration.engineVoice = voice
        }
        if let id = reader.string("YAP_SPK_DEFAULT") {
            if let issue = VoiceValidator.checkID(id) { throw SpeechConfigurationError(variable: "YAP_SPK_DEFAULT", message: issue.message) }
            configuration.defaultVoiceID = id
        }
        let rate = try reader.int("YAP_SR", in: 8000...192_000) ?? 48_000
        let frame = try reader.int("YAP_FRAME_MS", in: 10...120) ?? 20
        guard (rate * frame) % 1000 == 0 else {
            throw SpeechConfigurationError(variable: "YAP_FRAME_MS", message: "\(frame) ms is not a whole number of samples at \(rate) Hz")
        }
        configuration.format = AudioFormat(sampleRate: rate, frameMilliseconds: frame)
        configuration.maximumSegmentCharacters = try reader.int("YAP_MAX_CHARS", in: 20...5000) ?? 350
        configuration.firstSegmentCharacters = try reader.int("HANGAR_TTS_FIRST_SEGMENT_CHARS", in: 20...5000) ?? 120
        configuration.parallel = try reader.int("YAP_PARALLEL", in: 1...64) ?? 2
        configuration.overlapMilliseconds = try reader.int("YAP_OVERLAP_MS", in: 0...200) ?? 30
        configuration.jitterTargetMilliseconds = try reader.int("HANGAR_TTS_JITTER_MS", in: 0...5000) ?? 60
        configuration.bufferAhead = .milliseconds(Int((try reader.double("YAP_JITTER_MAX_SEC", in: 0.5...600) ?? 6) * 1000))
        configuration.registryPollInterval = .milliseconds(try reader.int("HANGAR_TTS_VOICES_POLL_MS", in: 50...60_000) ?? 1000)
        var limits = Limits()
        limits.maximumTextCharacters = try reader.int("HANGAR_TTS_MAX_TEXT_CHARS", in: 1...1_000_000) ?? limits.maximumTextCharacters
        limits.maximumQueuedCharacters = try reader.int("HANGAR_TTS_MAX_QUEUED_CHARS", in: 1...10_000_000) ?? limits.maximumQueuedCharacters
        limits.maximumSessions = try reader.int("HANGAR_TTS_MAX_SESSIONS", in: 1...100_000) ?? limits.maximumSessions
        limits.maximumActiveRequests = try reader.int("HANGAR_TTS_MAX_REQUESTS", in: 1...100_000) ?? limits.maximumActiveRequests
        limits.maximumStoredAudioBytes = (try reader.int("HANGAR_TTS_MAX_STORED_AUDIO_MB", in: 1...1_000_000) ?? 256) << 20
        limits.requestRetention = .seconds(try reader.int("HANGAR_TTS_RESULT_TTL", in: 1...86_400 * 7) ?? 600)
        limits.sessionIdleTimeout = .seconds(try reader.int("HANGAR_TTS_SESSION_IDLE_TIMEOUT", in: 1...86_400) ?? 300)
        configuration.limits = limits
        return configuration
    }

    /// `host:port`, `tcp://host:port` or `[v6]:port`.
    static func hostAndPort(_ address: String, defaultPort: Int) -> (String, Int)? {
        var rest = Substring(address)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        while rest.hasSuffix("/") { rest.removeLast() }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            let host = String(rest[rest.index(after: rest.startIndex)..<close])
            let tail = rest[rest.index(after: close)...]
            guard tail.isEmpty || tail.hasPrefix(":") else { return nil }
            let port = tail.isEmpty ? defaultPort : Int(tail.dropFirst()) ?? -1
            return host.isEmpty || !(1...65535).contains(port) ? nil : (host, port)
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard let host = parts.first, !host.isEmpty, parts.count <= 2 else { return nil }
        let port = parts.count == 2 ? Int(parts[1]) ?? -1 : defaultPort
        return (1...65535).contains(port) ? (String(host), port) : nil
    }
}

private struct EnvironmentReader {
    let environment: [String: String]

    func string(_ name: String) -> String? {
        environment[name].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw SpeechConfigurationError(
                variable: name,
                message: "must be an integer from \(range.lowerBound) to \(range.upperBound), not '\(text)'"
            )
        }
        return value
    }

    func double(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text), range.contains(value) else {
            throw SpeechConfigurationError(variable: name, message: "must be a number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    func bool(_ name: String) throws -> Bool? {
        guard let text = string(name)?.lowercased() else { return nil }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw SpeechConfigurationError(variable: name, message: "must be true or false, not '\(text)'")
        }
    }
}
