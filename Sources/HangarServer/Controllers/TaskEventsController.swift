import Foundation
import HangarCore
import HangarRuntime
import HangarSSE
import HangarStore
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /api/v1/tasks/{id}/events`: the task's event log from `after` on.
///
/// - As JSON, optionally long-polling (`wait=N` seconds) until something new arrives.
/// - As Server-Sent Events with `Accept: text/event-stream`: the backlog, then live events
///   as they are committed, each with `id: <seq>` so that a reconnecting client resumes with
///   `Last-Event-ID` and misses nothing. The stream ends after the task's final status.
///
/// Both are views of the stored log, woken by the store's notifications (LISTEN/NOTIFY on
/// PostgreSQL), so they work for tasks run by any worker process.
struct TaskEventsController {
    let store: any TaskFeedStore
    let configuration: ServerConfiguration
    let streams: EventStreams

    static let pageSize = 500

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.get("/api/v1/tasks/{task_id}/events", use: events)
    }

    @Sendable func events(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("task_id")
        guard let task = try await store.taskGet(tenantID: context.tenantID, id: id) else { throw APIError.notFound("task", id) }
        let query = Query(request)
        var after = Int64(try query.int("after", in: 0...Int(Int32.max), default: 0))
        if let lastEventID = request.headers[HTTPField.Name("Last-Event-ID")!] {
            guard let seq = Int64(lastEventID), seq >= 0 else { throw APIError.invalid("Last-Event-ID", "must be an event sequence number") }
            after = max(after, seq)
        }
        if request.headers[.accept]?.contains("text/event-stream") == true {
            let lease = try streams.admit(context, endpoint: "/api/v1/tasks/{task_id}/events")
            return stream(taskID: task.id, after: after, lease: lease)
        }
        let limit = try query.int("limit", in: 1...1000, default: Self.pageSize)
        let wait = try query.int("wait", in: 0...60, default: 0)
        var events = try await store.eventList(taskID: task.id, afterSeq: after, limit: limit)
        if events.isEmpty, wait > 0, !task.status.isFinal {
            events = try await waitForEvents(taskID: task.id, after: after, limit: limit, timeout: .seconds(wait))
        }
        let current = try await store.taskGet(tenantID: context.tenantID, id: task.id) ?? task
        return JSONResponse.make([
            "task_id": .string(task.id),
            "status": .string(current.status.rawValue),
            "events": .array(events.map(TaskRepresentation.json)),
            "last_seq": .int(events.last?.seq ?? after),
        ])
    }

    private func waitForEvents(taskID: String, after: Int64, limit: Int, timeout: Duration) async throws -> [TaskEvent] {
        let deadline = ContinuousClock.now + timeout
        return try await TaskEventStream.withWakeups(store: store, taskID: taskID) { wake in
            while ContinuousClock.now < deadline {
                await wake.wait(timeout: min(deadline - ContinuousClock.now, .seconds(5)))
                let events = try await store.eventList(taskID: taskID, afterSeq: after, limit: limit)
                if !events.isEmpty { return events }
            }
            return []
        }
    }

    private func stream(taskID: String, after start: Int64, lease: ConnectionLease) -> Response {
        let store = self.store
        let keepAlive = configuration.sseKeepAlive
        let body = ResponseBody { writer in
            // However the stream ends: finished, the client gone (a write throws), or cancelled.
            defer { lease.release() }
            try await writer.writeRetry()
            try await TaskEventStream(store: store, taskID: taskID, pageSize: Self.pageSize).follow(after: start, keepAlive: keepAlive) { item in
                switch item {
                case .events(let events, _):
                    for event in events { try await writer.write(Self.sse(event)) }
                case .idle:
                    try await writer.writeKeepAlive()
                }
            }
            try await writer.finish(nil)
        }
        return .eventStream(body)
    }

    static func sse(_ event: TaskEvent) -> ServerSentEvent {
        ServerSentEvent(event.type, json: TaskRepresentation.json(event), id: event.seq)
    }
}
