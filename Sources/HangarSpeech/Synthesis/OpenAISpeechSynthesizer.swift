import AsyncHTTPClient
import HangarErrorText
import Foundation
import HangarCore
import HangarTimers
import NIOCore
import NIOHTTP1

/// Any server that speaks OpenAI's `POST /v1/audio/speech` (OpenAI itself, and community
/// servers in front of F5-TTS, Kokoro, Piper, …): a JSON body with `model`, `input`, `voice`,
/// `response_format` and `speed`, answered with the audio file.
///
/// Hangar asks for `wav` (or raw `pcm`: 16-bit little-endian at `pcmSampleRate`, 24 kHz for
/// OpenAI), so that no decoder for compressed formats is needed. The rate goes out as
/// `speed` (0.25–4); pitch is shifted by the pipeline. The voice's `engine_voice` (else the
/// configured default) is sent as `voice`. With `sendReference`, a voice's `ref_text` and
/// `ref_audio` (base64 WAV) are added for cloning servers that accept them.
/// 429 and 5xx answers and connection failures are retried twice, after 0.25 s and 1 s (or
/// the server's `Retry-After`, up to 5 s).
public struct OpenAISpeechSynthesizer: SpeechSynthesizer {
    public enum ResponseFormat: String, Sendable { case wav, pcm }

    public var endpoint: String
    public var apiKey: String?
    public var model: String
    public var defaultVoice: String
    public var responseFormat: ResponseFormat
    public var pcmSampleRate: Int
    public var timeout: Duration
    public var sendReference: Bool
    public var maximumConcurrency: Int
    public var maximumResponseBytes = 64 << 20
    private let client: HTTPClient

    public init(
        url: String,
        apiKey: String? = nil,
        model: String = "tts-1",
        defaultVoice: String = "alloy",
        responseFormat: ResponseFormat = .wav,
        pcmSampleRate: Int = 24_000,
        timeout: Duration = .seconds(30),
        sendReference: Bool = false,
        maximumConcurrency: Int = 8,
        client: HTTPClient = .shared
    ) {
        self.endpoint = Self.endpoint(for: url)
        self.apiKey = apiKey
        self.model = model
        self.defaultVoice = defaultVoice
        self.responseFormat = responseFormat
        self.pcmSampleRate = pcmSampleRate
        self.timeout = timeout
        self.sendReference = sendReference
        self.maximumConcurrency = maximumConcurrency
        self.client = client
    }

    /// A base URL (`http://host:8000`, `…/v1`) or the full `…/v1/audio/speech`.
    static func endpoint(for url: String) -> String {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/audio/speech") { return base }
        if base.hasSuffix("/v1") { return base + "/audio/speech" }
        return base + "/v1/audio/speech"
    }

    public var name: String { "openai" }

    public var capabilities: SynthesizerCapabilities {
        SynthesizerCapabilities(nativeRate: 0.25...4.0, nativePitch: nil, maximumConcurrency: maximumConcurrency)
    }

    public func readiness() async -> String? { nil }

    public func synthesize(_ request: SynthesisRequest) async throws -> AudioClip {
        let body = ByteBuffer(string: JSONText.encode(try payload(request)))
        var attempt = 0
        while true {
            do {
                return try await send(body)
            } catch let failure as RetryableFailure {
                attempt += 1
                guard attempt <= 2 else { throw failure.error }
                try await Timers.sleep(for: failure.retryAfter ?? (attempt == 1 ? .milliseconds(250) : .seconds(1)))
            }
        }
    }

    func payload(_ request: SynthesisRequest) throws -> JSONValue {
        var fields: [String: JSONValue] = [
            "model": .string(model), "input": .string(request.text), "voice": .string(request.voice.engineVoice ?? defaultVoice),
            "response_format": .string(responseFormat.rawValue), "speed": .double((request.rate * 1000).rounded() / 1000),
        ]
        if sendReference {
            if let text = request.voice.refText { fields["ref_text"] = .string(text) }
            if let path = request.voice.refAudioPath {
                fields["ref_audio"] = .string(try Data(contentsOf: URL(fileURLWithPath: path)).base64EncodedString())
            }
        }
        return .object(fields)
    }

    private struct RetryableFailure: Error {
        var error: SpeechError
        var retryAfter: Duration?
    }

    private func send(_ body: ByteBuffer) async throws -> AudioClip {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: responseFormat == .wav ? "audio/wav" : "audio/pcm")
        if let apiKey, !apiKey.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(body)
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .nanoseconds(timeout.nanosecondsClamped))
            bytes = try await response.body.collect(upTo: maximumResponseBytes)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw SpeechError.timeout("speech server at \(endpoint) did not answer within \(timeout)")
        } catch is NIOTooManyBytesError {
            throw SpeechError.synthesis("speech server's answer exceeds \(maximumResponseBytes) bytes")
        } catch let error as CancellationError {
            throw error
        } catch {
            throw RetryableFailure(error: .unavailable("speech server at \(endpoint) unreachable: \(ErrorText.describe(error))"), retryAfter: nil)
        }
        let status = response.status.code
        guard (200..<300).contains(status) else {
            let failure = SpeechError.synthesis("speech server answered HTTP \(status): \(Self.errorMessage(bytes))")
            if status == 429 || status >= 500 {
                let retryAfter = response.headers.first(name: "Retry-After").flatMap(Int.init).map { Duration.seconds(min(max($0, 0), 5)) }
                throw RetryableFailure(error: failure, retryAfter: retryAfter)
            }
            throw failure
        }
        let audio = [UInt8](bytes.readableBytesView)
        if audio.starts(with: Array("RIFF".utf8)) {
            do { return try WAVDecoder.decode(audio) } catch { throw SpeechError.synthesis("speech server sent an unreadable WAV file: \(ErrorText.describe(error))") }
        }
        guard responseFormat == .pcm else {
            let type = response.headers.first(name: "Content-Type") ?? "no content type"
            throw SpeechError.synthesis("speech server sent \(type), not the WAV file asked for")
        }
        return AudioClip(sampleRate: pcmSampleRate, samples: PCM16.samples(audio).map(PCM16.float))
    }

    /// OpenAI's `{"error": {"message": …}}`, FastAPI's `{"detail": …}`, or the text itself.
    static func errorMessage(_ body: ByteBuffer) -> String {
        let text = String(buffer: body)
        if let value = try? JSONText.decode(text) {
            if let message = value["error"]?["message"]?.stringValue ?? value["error"]?.stringValue ?? value["detail"]?.stringValue {
                return String(message.prefix(300))
            }
        }
        return String(text.prefix(300))
    }
}

extension Duration {
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        return seconds > Int64.max / 1_000_000_000 - 1 ? Int64.max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
