import Foundation
import HangarCore
import HangarRuntime
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
        router.get("/api/v1/tasks/:task_id/events", use: events)
    }

    @Sendable func events(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.require("task_id")
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
        return try await withTaskEventWakeups(taskID: taskID) { wake in
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
            try await withTaskEventWakeups(taskID: taskID) { wake in
                var after = start
                var sawFinalStatus = false
                try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
                while true {
                    let events = try await store.eventList(taskID: taskID, afterSeq: after, limit: Self.pageSize)
                    var finished = false
                    for event in events {
                        try await writer.write(ByteBuffer(string: Self.sse(event)))
                        after = event.seq
                        if event.type == NewTaskEvent.Kind.status, let status = event.data["status"]?.stringValue,
                            TaskStatus(rawValue: status)?.isFinal == true
                        {
                            finished = true
                        }
                    }
                    if finished { break }
                    if events.count == Self.pageSize { continue }
                    // Resumed at or past the end of a finished task: nothing more will come. The
                    // status is checked after the read, so read once more before ending: the
                    // final event may have committed in between.
                    if events.isEmpty {
                        if sawFinalStatus { break }
                        if try await store.taskGet(tenantID: nil, id: taskID)?.status.isFinal ?? true {
                            sawFinalStatus = true
                            continue
                        }
                    }
                    await wake.wait(timeout: keepAlive)
                    if try await store.eventList(taskID: taskID, afterSeq: after, limit: 1).isEmpty {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                }
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: body)
    }

    static func sse(_ event: TaskEvent) -> String {
        "id: \(event.seq)\nevent: \(event.type)\ndata: \(JSONText.encode(TaskRepresentation.json(event)))\n\n"
    }

    private func withTaskEventWakeups<T: Sendable>(taskID: String, _ body: (WakeSignal) async throws -> T) async throws -> T {
        try await EventWakeups.with(store: store, taskID: taskID, body)
    }
}
