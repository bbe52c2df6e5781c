import Foundation
import HangarCore

/// The API's operations: speak, stream sessions, stop.
extension SpeechService {
    /// Starts synthesising `text` as a request; its audio is ready when the stream finishes.
    public func speak(text: String, voiceID: String?, params: SpeechParams, tenantID: String) async throws -> SpeechStream {
        let limits = configuration.limits
        guard text.contains(where: { $0.isLetter || $0.isNumber }) else {
            throw HangarError.invalid(field: "text", message: "must contain something to say")
        }
        guard text.count <= limits.maximumTextCharacters else {
            throw HangarError.invalid(field: "text", message: "must be at most \(limits.maximumTextCharacters) characters (got \(text.count))")
        }
        let voice = try await voices.resolve(voiceID)
        try await requireReady()
        let effective = voice.params.adjusted(by: params)
        let estimate = engine.estimatedMilliseconds(
            TextSegmenter.segments(of: text, maximumCharacters: configuration.maximumSegmentCharacters),
            rate: effective.rate
        )
        guard Duration.milliseconds(estimate) <= limits.maximumRequestAudio else {
            throw HangarError.invalid(
                field: "text",
                message: "would take about \(estimate / 1000) s to say; the limit is \(limits.maximumRequestAudio)"
            )
        }
        let stream = SpeechStream(id: Self.makeID("tts_req_"), kind: .request, tenantID: tenantID, engine: engine, voice: voice, params: params)
        try await directory.addRequest(stream)
        accepted?(.request)
        await stream.setEstimate(estimate)
        try await stream.add(text)
        await stream.stop(cancel: false)
        return stream
    }

    public func request(_ id: String, tenantID: String) async throws -> SpeechStream {
        try await directory.request(id, tenantID: tenantID)
    }

    /// Opens a streaming session.
    public func startSession(voiceID: String?, params: SpeechParams, tenantID: String) async throws -> SpeechStream {
        let voice = try await voices.resolve(voiceID)
        try await requireReady()
        let stream = SpeechStream(id: Self.makeID("tts_ses_"), kind: .session, tenantID: tenantID, engine: engine, voice: voice, params: params)
        try await directory.addSession(stream)
        accepted?(.session)
        return stream
    }

    public func session(_ id: String, tenantID: String) async throws -> SpeechStream {
        try await directory.session(id, tenantID: tenantID)
    }

    /// Adds text to a session; `voiceID` and `params`, when given, apply from the next segment.
    public func addText(
        sessionID: String,
        text: String,
        flush: Bool,
        voiceID: String?,
        params: SpeechParams?,
        tenantID: String
    ) async throws
        -> SpeechStream.Info
    {
        let stream = try await directory.session(sessionID, tenantID: tenantID)
        let voice = try await voiceID.asyncMap { try await voices.resolve($0) }
        try await stream.add(text, flush: flush, voice: voice, params: params)
        return await stream.info()
    }

    /// Ends a session: gracefully (what is pending is still spoken) or, with `cancel`, at once.
    public func stopSession(sessionID: String, cancel: Bool, tenantID: String) async throws -> SpeechStream.Info {
        let stream = try await directory.session(sessionID, tenantID: tenantID)
        await stream.stop(cancel: cancel)
        return await stream.info()
    }

    public struct StopReport: Sendable {
        public var cancelledRequests: Int
        public var interruptedSessions: Int
    }

    /// Stops all speech of the tenant: requests being synthesised are cancelled; sessions
    /// drop their queued text, synthesis under way and unplayed audio, and stay open.
    public func stopAll(tenantID: String) async -> StopReport {
        let streams = await directory.all(tenantID: tenantID)
        var report = StopReport(cancelledRequests: 0, interruptedSessions: 0)
        for request in streams.requests where await !request.isFinished {
            await request.stop(cancel: true)
            report.cancelledRequests += 1
        }
        for session in streams.sessions where await session.interrupt() {
            report.interruptedSessions += 1
        }
        return report
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
