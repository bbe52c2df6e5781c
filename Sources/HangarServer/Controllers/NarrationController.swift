import Foundation
import HangarCore
import HangarRuntime
import HangarSpeech
import HangarStore
import Hummingbird

/// `GET /api/v1/tasks/{task_id}/narration/audio`: the live audio of a narrated task's current
/// attempt, wherever it runs. This process serves it when its own speech service holds the
/// attempt's narration; otherwise (a shared database) it is streamed from the process whose
/// worker holds the task's lease, through that process's internal listener. Query as
/// `/api/v1/tts/stream/{id}/audio` (`format`, `pace`, `from`).
struct NarrationController {
    let store: any TaskStore & EventStore
    let speech: SpeechController?
    let directory: SessionDirectory?

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.get("/api/v1/tasks/{task_id}/narration/audio", use: audio)
    }

    @Sendable func audio(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("task_id")
        guard let task = try await store.taskGet(tenantID: context.tenantID, id: id) else { throw APIError.notFound("task", id) }
        guard task.wantsNarration else { throw APIError(.notFound, "task '\(id)' is not narrated (options.enable_tts)") }
        // The latest attempt's narration (a retry opens a new one).
        let events = try await store.eventList(taskID: task.id, afterSeq: 0, limit: 10_000)
        guard let narration = events.last(where: { $0.type == NewTaskEvent.Kind.narration }), let sessionID = narration.data["session_id"]?.stringValue
        else { throw APIError(.notFound, "task '\(id)' has no narration yet (status \(task.status.rawValue)); it opens when an attempt starts") }
        if let speech, let local = try? await speech.audio(sessionID: sessionID, request: request, tenantID: context.tenantID) {
            return local
        }
        guard let directory, task.status == .running, let owner = task.leaseOwner else {
            throw APIError(.notFound, "the narration of task '\(id)' is over (status \(task.status.rawValue)): it ends with its attempt")
        }
        let live = try await directory.store.processList(liveWithin: directory.liveWithin)
        guard let process = live.first(where: { $0.id == owner }), let url = process.internalURL else {
            throw APIError(.serviceUnavailable, "task '\(id)' runs in process '\(owner)', which this deployment cannot reach (no live internal listener)")
        }
        return try await directory.stream(
            path: "/tts/stream/\(sessionID)/audio", query: request.uri.query, tenantID: context.tenantID, to: url, processID: owner,
            what: "the narration of task '\(id)'", duration: .seconds(max(60, task.timeoutSeconds + 60)))
    }
}
