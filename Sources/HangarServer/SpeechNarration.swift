import HangarCore
public import HangarRuntime
public import HangarSpeech

/// Narration through this process's speech service: a speech session per narrated attempt,
/// in the task's tenant and voice (`options.voice_id`), listened to like any other session.
///
/// `byTask`: listeners reach the audio through the task (`/api/v1/tasks/{id}/narration/audio`),
/// which any API replica serves by forwarding to the process running the attempt — for
/// `hangar worker` processes, which serve no public HTTP of their own.
public struct SpeechNarrationProvider: NarrationProvider {
    let service: SpeechService
    let byTask: Bool

    public init(service: SpeechService, byTask: Bool = false) {
        self.service = service
        self.byTask = byTask
    }

    public func open(for task: TaskRecord) async throws -> (any Narration)? {
        guard task.wantsNarration else { return nil }
        let voice = task.options["voice_id"]?.stringValue
        let stream = try await service.startSession(voiceID: voice, params: .neutral, tenantID: task.tenantID)
        return SpeechNarration(service: service, sessionID: stream.id, tenantID: task.tenantID, voiceID: voice, taskID: task.id, byTask: byTask)
    }
}

struct SpeechNarration: Narration {
    let service: SpeechService
    let sessionID: String
    let tenantID: String
    let voiceID: String?
    let taskID: String
    let byTask: Bool

    var details: JSONValue {
        let taskAudio = JSONValue.string("/api/v1/tasks/\(taskID)/narration/audio")
        return [
            "session_id": .string(sessionID), "voice_id": voiceID.map(JSONValue.string) ?? .null,
            "audio_url": byTask ? taskAudio : .string("/api/v1/tts/stream/\(sessionID)/audio"),
            "websocket_url": byTask ? .null : .string("/ws/tts/\(sessionID)"), "task_audio_url": taskAudio,
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
