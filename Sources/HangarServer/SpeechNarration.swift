import HangarCore
public import HangarRuntime
public import HangarSpeech

/// Narration through this process's speech service: a speech session per narrated attempt,
/// in the task's tenant and voice (`options.voice_id`), listened to like any other session.
public struct SpeechNarrationProvider: NarrationProvider {
    let service: SpeechService

    public init(service: SpeechService) {
        self.service = service
    }

    public func open(for task: TaskRecord) async throws -> (any Narration)? {
        guard task.wantsNarration else { return nil }
        let voice = task.options["voice_id"]?.stringValue
        let stream = try await service.startSession(voiceID: voice, params: .neutral, tenantID: task.tenantID)
        return SpeechNarration(service: service, sessionID: stream.id, tenantID: task.tenantID, voiceID: voice)
    }
}

struct SpeechNarration: Narration {
    let service: SpeechService
    let sessionID: String
    let tenantID: String
    let voiceID: String?

    var details: JSONValue {
        [
            "session_id": .string(sessionID), "voice_id": voiceID.map(JSONValue.string) ?? .null,
            "audio_url": .string("/api/v1/tts/stream/\(sessionID)/audio"), "websocket_url": .string("/ws/tts/\(sessionID)"),
        ]
    }

    func say(_ text: String) async {
        guard !text.isEmpty else { return }
        _ = try? await service.addText(sessionID: sessionID, text: text, flush: true, voiceID: nil, params: nil, tenantID: tenantID)
    }

    func finish() async {
        _ = try? await service.stopSession(sessionID: sessionID, cancel: false, tenantID: tenantID)
    }
}
