import Foundation
import HangarCore

/// The API's JSON for speech: requests and sessions (seed 000's `request_id`, `status`,
/// `estimated_duration_ms`), voices (the registry's shape plus `voice_id`), issues, formats.
public enum SpeechRepresentation {
    public static func json(_ info: SpeechStream.Info) -> JSONValue {
        var fields: [String: JSONValue] = [
            "status": .string(status(info)), "voice_id": .string(info.voiceID), "params": json(info.params),
            "created_at": .string(Timestamp.format(info.createdAt)),
            "completed_at": info.completedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "characters": .int(Int64(info.charactersReceived)),
            "segments": [
                "queued": .int(Int64(info.segmentsQueued)), "in_flight": .int(Int64(info.segmentsInFlight)),
                "done": .int(Int64(info.segmentsDone)), "failed": .int(Int64(info.segmentsFailed)),
            ],
            "duration_ms": .int(Int64(info.durationMilliseconds)),
            "time_to_first_audio_ms": info.timeToFirstAudio.map { .double(milliseconds($0)) } ?? .null,
            "error": (info.failure ?? info.lastError).map(JSONValue.string) ?? .null,
        ]
        switch info.kind {
        case .request:
            fields["request_id"] = .string(info.id)
            fields["estimated_duration_ms"] = .int(Int64(info.estimatedMilliseconds))
            fields["audio_url"] = .string("/api/v1/tts/requests/\(info.id)/audio")
        case .session:
            fields["session_id"] = .string(info.id)
            fields["pending_characters"] = .int(Int64(info.pendingCharacters))
            fields["audio_url"] = .string("/api/v1/tts/stream/\(info.id)/audio")
            fields["frames"] = ["produced": .int(Int64(info.framesProduced)), "first_held": .int(Int64(info.firstFrameHeld))]
            fields["listeners"] = .int(Int64(info.listeners))
            fields["underruns"] = .int(Int64(info.underruns))
            fields["interruptions"] = .int(Int64(info.interruptions))
        }
        return .object(fields)
    }

    /// Requests say `speaking` until done (the seed's word); sessions say `open` or `closing`.
    public static func status(_ info: SpeechStream.Info) -> String {
        switch (info.kind, info.state) {
        case (.request, .open), (.request, .closing): return "speaking"
        default: return info.state.rawValue
        }
    }

    public static func json(_ voice: Voice) -> JSONValue {
        [
            "voice_id": .string(voice.id), "ref_audio": voice.refAudio.map(JSONValue.string) ?? .null,
            "ref_text": voice.refText.map(JSONValue.string) ?? .null, "styles": .array(voice.styles.map(JSONValue.string)),
            "params": json(voice.params), "engine_voice": voice.engineVoice.map(JSONValue.string) ?? .null,
            "reference": voice.reference.map { info in
                [
                    "duration_ms": .int(Int64((info.seconds * 1000).rounded())), "sample_rate": .int(Int64(info.sampleRate)),
                    "channels": .int(Int64(info.channels)), "bits_per_sample": .int(Int64(info.bitsPerSample)),
                ]
            } ?? .null,
            "builtin": .bool(voice.isBuiltin), "valid": true, "created_at": voice.createdAt.map(JSONValue.string) ?? .null,
            "updated_at": voice.updatedAt.map(JSONValue.string) ?? .null,
        ]
    }

    public static func json(_ params: SpeechParams) -> JSONValue {
        ["rate": .double(params.rate), "pitch": .double(params.pitch)]
    }

    public static func json(_ issue: VoiceIssue) -> JSONValue {
        [
            "voice_id": issue.voiceID.map(JSONValue.string) ?? .null, "field": issue.field.map(JSONValue.string) ?? .null,
            "message": .string(issue.message),
        ]
    }

    public static func json(_ format: AudioFormat) -> JSONValue {
        [
            "encoding": "s16le", "sample_rate": .int(Int64(format.sampleRate)), "channels": 1,
            "frame_ms": .int(Int64(format.frameMilliseconds)), "frame_bytes": .int(Int64(format.bytesPerFrame)),
        ]
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return (Double(seconds) * 1000 + Double(attoseconds) / 1e15).rounded(toPlaces: 1)
    }
}

extension Double {
    fileprivate func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
