import Foundation
import HTTPTypes
import HangarCore
import HangarSpeech
import Hummingbird
import NIOCore

/// Speech (seed 000 §2.2): `/api/v1/tts/*` and `/api/v1/voices/*`.
///
/// - `POST /api/v1/tts/speak` synthesises a text: `202` with the request's status at once,
///   or the whole WAV file with `Accept: audio/wav`. `GET /api/v1/tts/requests/{id}/audio`
///   returns the WAV file when it is ready.
/// - `POST /api/v1/tts/stream/start|text|stop` drive a session; its audio streams over
///   chunked HTTP from `GET /api/v1/tts/stream/{id}/audio` as raw 48 kHz s16le mono PCM in
///   20 ms frames (or a WAV with a streaming header), paced in real time or in bursts.
/// - `DELETE /api/v1/tts/stop` stops the tenant's speech and clears its queues.
/// - `/api/v1/voices` manages the voice registry (`voices.json`).
public struct SpeechController: Sendable {
    let service: SpeechService
    let maxBodyBytes: Int

    public init(service: SpeechService, configuration: ServerConfiguration) {
        self.service = service
        self.maxBodyBytes = configuration.maxBodyBytes
    }

    public func addRoutes(to router: Router<HangarRequestContext>) {
        router.post("/api/v1/tts/speak", use: handle(speak))
        router.get("/api/v1/tts/requests/{request_id}", use: handle(requestStatus))
        router.get("/api/v1/tts/requests/{request_id}/audio", use: handle(requestAudio))
        router.post("/api/v1/tts/stream/start", use: handle(streamStart))
        router.post("/api/v1/tts/stream/text", use: handle(streamText))
        router.post("/api/v1/tts/stream/stop", use: handle(streamStop))
        router.get("/api/v1/tts/stream/{session_id}", use: handle(streamStatus))
        router.get("/api/v1/tts/stream/{session_id}/audio", use: handle(streamAudio))
        router.delete("/api/v1/tts/stop", use: handle(stopAll))
        router.get("/api/v1/tts/status", use: handle(status))
        router.get("/api/v1/voices", use: handle(listVoices))
        router.post("/api/v1/voices", use: handle(createVoice))
        router.post("/api/v1/voices/reload", use: handle(reloadVoices))
        router.get("/api/v1/voices/{voice_id}", use: handle(getVoice))
        router.put("/api/v1/voices/{voice_id}", use: handle(updateVoice))
        router.delete("/api/v1/voices/{voice_id}", use: handle(deleteVoice))
    }

    typealias Handler = @Sendable (Request, HangarRequestContext) async throws -> Response

    /// Maps speech and domain errors to the API's error shape (with or without `ErrorMiddleware`).
    private func handle(_ handler: @escaping Handler) -> Handler {
        { request, context in
            do {
                return try await handler(request, context)
            } catch let error as SpeechError {
                switch error {
                case .unavailable(let message): throw APIError(.serviceUnavailable, message)
                case .synthesis(let message): throw APIError(.badGateway, message)
                case .timeout(let message): throw APIError(.gatewayTimeout, message)
                case .limit(let message, let seconds): throw APIError(.tooManyRequests, message, headers: [.retryAfter: "\(seconds)"])
                }
            } catch let error as HangarError {
                throw APIError.from(error) ?? error
            }
        }
    }

    // MARK: speak

    @Sendable func speak(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: maxBodyBytes, accepting: ["text", "voice_id", "params"])
        guard let text = try body.string("text", maxLength: 1_000_000), !text.isEmpty else { throw APIError.invalid("text", "is required") }
        let stream = try await service.speak(
            text: text,
            voiceID: try voiceID(body),
            params: try params(body) ?? .neutral,
            tenantID: context.tenantID
        )
        let location = "/api/v1/tts/requests/\(stream.id)"
        guard Self.wantsWAV(request) else {
            return JSONResponse.make(SpeechRepresentation.json(await stream.info()), status: .accepted, headers: [.location: location])
        }
        await stream.waitUntilFinished()
        return try await wav(stream, headers: [.contentLocation: location + "/audio"])
    }

    @Sendable func requestStatus(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let stream = try await service.request(try context.parameters.decoded("request_id"), tenantID: context.tenantID)
        return JSONResponse.make(SpeechRepresentation.json(await stream.info()))
    }

    @Sendable func requestAudio(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let stream = try await service.request(try context.parameters.decoded("request_id"), tenantID: context.tenantID)
        let wait = try Query(request).int("wait", in: 0...300, default: 30)
        guard await stream.waitUntilFinished(timeout: .seconds(wait)) else {
            return JSONResponse.make(SpeechRepresentation.json(await stream.info()), status: .accepted, headers: [.retryAfter: "1"])
        }
        return try await wav(stream, headers: [:])
    }

    private func wav(_ stream: SpeechStream, headers: HTTPFields) async throws -> Response {
        let info = await stream.info()
        switch info.state {
        case .failed: throw APIError(.badGateway, "speech request '\(info.id)' failed: \(info.failure ?? "synthesis failed")")
        case .cancelled: throw APIError(.conflict, "speech request '\(info.id)' was cancelled")
        case .open, .closing: throw APIError(.conflict, "speech request '\(info.id)' is still being synthesised")
        case .completed: break
        }
        let bytes = WAVEncoder.file(sampleRate: service.configuration.format.sampleRate, samples: await stream.audio())
        var fields = headers
        fields[.contentType] = "audio/wav"
        fields[HTTPField.Name("X-TTS-Request-ID")!] = info.id
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: streaming sessions

    @Sendable func streamStart(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await optionalBody(request)
        let stream = try await service.startSession(voiceID: try voiceID(body), params: try params(body) ?? .neutral, tenantID: context.tenantID)
        return JSONResponse.make(
            SpeechRepresentation.json(await stream.info()),
            status: .created,
            headers: [.location: "/api/v1/tts/stream/\(stream.id)"]
        )
    }

    @Sendable func streamText(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: maxBodyBytes, accepting: ["text", "session_id", "flush", "voice_id", "params"])
        guard let text = try body.string("text", maxLength: 1_000_000) else { throw APIError.invalid("text", "is required") }
        let info = try await service.addText(
            sessionID: try sessionID(body),
            text: text,
            flush: try body.bool("flush") ?? false,
            voiceID: try voiceID(body),
            params: try params(body),
            tenantID: context.tenantID
        )
        return JSONResponse.make(SpeechRepresentation.json(info), status: .accepted)
    }

    @Sendable func streamStop(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: maxBodyBytes, accepting: ["session_id", "cancel"])
        let info = try await service.stopSession(sessionID: try sessionID(body), cancel: try body.bool("cancel") ?? false, tenantID: context.tenantID)
        return JSONResponse.make(SpeechRepresentation.json(info))
    }

    @Sendable func streamStatus(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let stream = try await service.session(try context.parameters.decoded("session_id"), tenantID: context.tenantID)
        return JSONResponse.make(SpeechRepresentation.json(await stream.info()))
    }

    @Sendable func streamAudio(_ request: Request, context: HangarRequestContext) async throws -> Response {
        try await audio(sessionID: try context.parameters.decoded("session_id"), request: request, tenantID: context.tenantID)
    }

    /// Only a stream's status and audio, under `prefix` (the internal listener's `/internal/v1`):
    /// what an API replica forwards a narration listener to.
    public func addStreamRoutes(to router: Router<HangarRequestContext>, prefix: String) {
        router.get("\(prefix)/tts/stream/{session_id}", use: handle(streamStatus))
        router.get("\(prefix)/tts/stream/{session_id}/audio", use: handle(streamAudio))
    }

    /// The session's audio, streamed as it is spoken (`format`, `pace`, `from` from the query).
    func audio(sessionID: String, request: Request, tenantID: String) async throws -> Response {
        let stream = try await service.session(sessionID, tenantID: tenantID)
        let query = Query(request)
        let wav: Bool
        switch query.string("format") ?? "pcm" {
        case "pcm", "s16le": wav = false
        case "wav": wav = true
        default: throw APIError.invalid("format", "must be pcm or wav")
        }
        guard let pace = SpeechListener.Pace(rawValue: query.string("pace") ?? "realtime") else {
            throw APIError.invalid("pace", "must be realtime or burst")
        }
        let from = query.string("from") == nil ? nil : try query.int("from", in: 0...Int(Int32.max), default: 0)
        let configuration = service.configuration
        let format = configuration.format
        // The listener attaches when the body starts, so a response never sent holds nothing back.
        let first = await stream.firstFrame(from: from)
        let body = ResponseBody { writer in
            var listener = await SpeechListener.attach(to: stream, from: first, pace: pace, configuration: configuration)
            do {
                if wav { try await writer.write(ByteBuffer(bytes: WAVEncoder.header(sampleRate: format.sampleRate, sampleCount: nil))) }
                while let bytes = await listener.next() {
                    try await writer.write(ByteBuffer(bytes: bytes))
                }
                await listener.detach()
                try await writer.finish(nil)
            } catch {
                await listener.detach()
                throw error
            }
        }
        var headers: HTTPFields = [
            .contentType: wav ? "audio/wav" : "audio/pcm;rate=\(format.sampleRate);channels=1;encoding=s16le", .cacheControl: "no-cache",
            HTTPField.Name("X-Accel-Buffering")!: "no",
        ]
        headers[HTTPField.Name("X-Audio-Sample-Rate")!] = "\(format.sampleRate)"
        headers[HTTPField.Name("X-Audio-Channels")!] = "1"
        headers[HTTPField.Name("X-Audio-Encoding")!] = "s16le"
        headers[HTTPField.Name("X-Audio-Frame-Ms")!] = "\(format.frameMilliseconds)"
        headers[HTTPField.Name("X-Audio-First-Frame")!] = "\(first)"
        return Response(status: .ok, headers: headers, body: body)
    }

    @Sendable func stopAll(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let report = await service.stopAll(tenantID: context.tenantID)
        return JSONResponse.make([
            "status": "stopped", "cancelled_requests": .int(Int64(report.cancelledRequests)),
            "interrupted_sessions": .int(Int64(report.interruptedSessions)),
        ])
    }

    @Sendable func status(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let status = await service.status()
        return JSONResponse.make([
            "backend": .string(status.backend), "ready": .bool(status.problem == nil), "problem": status.problem.map(JSONValue.string) ?? .null,
            "format": SpeechRepresentation.json(status.format), "parallel": .int(Int64(status.parallel)),
            "peak_parallel": .int(Int64(status.peakParallel)),
            "requests": .int(Int64(status.requests)), "sessions": .int(Int64(status.sessions)), "voices_file": .string(status.voicesFile),
        ])
    }

    // MARK: voices

    @Sendable func listVoices(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let listing = await service.voices.listing()
        return JSONResponse.make([
            "voices": .array(listing.voices.map(SpeechRepresentation.json)), "invalid": .array(listing.issues.map(SpeechRepresentation.json)),
            "path": .string(listing.path),
            "default_voice_id": .string(service.voices.defaultVoiceID), "loaded_at": .string(Timestamp.format(listing.loadedAt)),
        ])
    }

    @Sendable func createVoice(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: maxBodyBytes, accepting: Self.voiceFields)
        guard let id = try body.string("voice_id", maxLength: 64) else { throw APIError.invalid("voice_id", "is required") }
        let voice = try await service.voices.create(id: id, fields: body.fields)
        var json = SpeechRepresentation.json(voice).objectValue ?? [:]
        json["status"] = "registered"
        return JSONResponse.make(.object(json), status: .created, headers: [.location: "/api/v1/voices/\(id)"])
    }

    @Sendable func reloadVoices(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let report = await service.voices.reload()
        return JSONResponse.make([
            "status": "reloaded", "changed": .bool(report.changed), "voices": .int(Int64(report.voices)),
            "invalid": .array(report.issues.map(SpeechRepresentation.json)), "loaded_at": .string(Timestamp.format(report.loadedAt)),
        ])
    }

    @Sendable func getVoice(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("voice_id")
        switch await service.voices.lookup(id) {
        case .valid(let voice), .builtin(let voice):
            return JSONResponse.make(SpeechRepresentation.json(voice))
        case .invalid(let entry, let issues):
            return JSONResponse.make([
                "voice_id": .string(id), "valid": false, "entry": entry, "issues": .array(issues.map(SpeechRepresentation.json)),
            ])
        case .missing:
            throw APIError.notFound("voice", id)
        }
    }

    @Sendable func updateVoice(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("voice_id")
        let body = try await JSONBody.read(request, limit: maxBodyBytes, accepting: Self.voiceFields)
        var json = SpeechRepresentation.json(try await service.voices.update(id: id, fields: body.fields)).objectValue ?? [:]
        json["status"] = "updated"
        return JSONResponse.make(.object(json))
    }

    @Sendable func deleteVoice(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("voice_id")
        try await service.voices.delete(id: id)
        return JSONResponse.make(["voice_id": .string(id), "deleted": true])
    }

    // MARK: input

    /// A voice registry entry (seed 000's `POST /api/v1/voices`); the registry validates each.
    static let voiceFields: Set<String> = ["voice_id", "ref_audio", "ref_text", "styles", "params", "engine_voice"]

    /// A body that may be absent or empty (`stream/start` works without one).
    private func optionalBody(_ request: Request) async throws -> JSONBody {
        if request.headers[.contentLength] == "0" { return JSONBody(fields: [:]) }
        var request = request
        do {
            // Kept in the request, so that `JSONBody.read` parses the same bytes.
            guard try await request.collectBody(upTo: maxBodyBytes).readableBytes > 0 else { return JSONBody(fields: [:]) }
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "request body exceeds the limit of \(maxBodyBytes) bytes")
        }
        return try await JSONBody.read(request, limit: maxBodyBytes, accepting: ["voice_id", "params"])
    }

    private func voiceID(_ body: JSONBody) throws -> String? {
        guard let id = try body.string("voice_id", maxLength: 64) else { return nil }
        guard !id.isEmpty else { throw APIError.invalid("voice_id", "must not be empty") }
        return id
    }

    private func sessionID(_ body: JSONBody) throws -> String {
        guard let id = try body.string("session_id", maxLength: 128), !id.isEmpty else { throw APIError.invalid("session_id", "is required") }
        return id
    }

    private func params(_ body: JSONBody) throws -> SpeechParams? {
        guard case .object(let fields)? = try body.object("params") else { return nil }
        let params = JSONBody(fields: fields)
        return SpeechParams(
            rate: try params.double("rate", in: SpeechParams.rates, prefix: "params.") ?? 1,
            pitch: try params.double("pitch", in: SpeechParams.pitches, prefix: "params.") ?? 0
        )
    }

    static func wantsWAV(_ request: Request) -> Bool {
        guard let accept = request.headers[.accept]?.lowercased() else { return false }
        return ["audio/wav", "audio/x-wav", "audio/wave", "audio/*"].contains { accept.contains($0) }
    }
}
