import Foundation
import HangarCore
import HangarSSE
import HangarStore
import HTTPTypes
import Hummingbird
import NIOCore

/// Task logs (seed 004 "Logs"): a task's log as server-sent events, and a search of stored logs.
struct LogsController {
    let store: any TaskFeedStore
    let configuration: ServerConfiguration
    let streams: EventStreams

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.get("/api/v1/logs/history", use: history)
        router.get("/api/v1/logs/{task_id}", use: taskLogs)
        router.get("/api/v1/logs/stream/{task_id}", use: stream)
    }

    /// `?agent_id=&task_id=&level=&search=&limit=&before=`: the tenant's log entries, newest
    /// first; `level` is a minimum (`warning` gives warning, error, critical); `search` a
    /// case-insensitive substring of the message; `before` (a timestamp) pages back.
    @Sendable func history(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let query = Query(request)
        return try await search(query, agentID: query.string("agent_id"), taskID: query.string("task_id"), context: context)
    }

    /// Seed 004's `GET /api/v1/logs/{task_id}`: one task's entries, with `history`'s filters
    /// and paging; 404 for a task the tenant does not have.
    @Sendable func taskLogs(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let taskID = try context.parameters.decoded("task_id")
        guard try await store.taskGet(tenantID: context.tenantID, id: taskID) != nil else { throw APIError.notFound("task", taskID) }
        return try await search(Query(request), agentID: nil, taskID: taskID, context: context)
    }

    private func search(_ query: Query, agentID: String?, taskID: String?, context: HangarRequestContext) async throws -> Response {
        let limit = try query.int("limit", in: 1...1000, default: 100)
        var levels: [String]?
        if let level = query.string("level") {
            guard LiveMessages.levels.contains(level.lowercased()) || level.lowercased() == "warn" else {
                throw APIError.invalid("level", "must be one of \(LiveMessages.levels.joined(separator: ", "))")
            }
            let minimum = LiveMessages.rank(level)
            levels = LiveMessages.levels.filter { LiveMessages.rank($0) >= minimum } + (minimum <= LiveMessages.rank("warning") ? ["warn"] : [])
        }
        var before: Date?
        if let text = query.string("before") {
            guard let date = Timestamp.parse(text) else { throw APIError.invalid("before", "must be an ISO 8601 timestamp") }
            before = date
        }
        if let search = query.string("search"), search.count > 200 { throw APIError.invalid("search", "at most 200 characters") }
        let hits = try await store.eventSearch(
            EventSearchParams(
                tenantID: context.tenantID, agentID: agentID, taskID: taskID, types: [NewTaskEvent.Kind.log],
                levels: levels, search: query.string("search"), before: before, limit: limit))
        let logs = hits.map { LiveMessages.logEntry($0.event, agentID: $0.agentID) }
        return JSONResponse.make([
            "logs": .array(logs), "count": .int(Int64(logs.count)),
            "next_before": hits.count == limit ? .string(Timestamp.format(hits.last!.event.createdAt)) : .null,
        ])
    }

    /// `text/event-stream` of the task's log: `log_entry` events (id = the event's `seq`, so
    /// `Last-Event-ID` resumes), `task_status` on status changes, `end` after the final one,
    /// and a keep-alive comment while idle.
    @Sendable func stream(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let taskID = try context.parameters.decoded("task_id")
        guard try await store.taskGet(tenantID: context.tenantID, id: taskID) != nil else { throw APIError.notFound("task", taskID) }
        let resume = request.headers[.init("Last-Event-ID")!] ?? Query(request).string("after")
        guard let after = Int64(resume ?? "0"), after >= 0 else { throw APIError.invalid("after", "must be a sequence number ≥ 0") }
        let lease = try streams.admit(context, endpoint: "/api/v1/logs/stream/{task_id}")
        let store = self.store
        let keepAlive = configuration.sseKeepAlive
        let body = ResponseBody { writer in
            // However the stream ends: finished, the client gone (a write throws), or cancelled.
            defer { lease.release() }
            try await writer.writeRetry()
            try await TaskEventStream(store: store, taskID: taskID).follow(after: after, keepAlive: keepAlive) { item in
                guard case .events(let events, _) = item else {
                    try await writer.writeKeepAlive()
                    return
                }
                for event in events {
                    switch event.type {
                    case NewTaskEvent.Kind.log:
                        let entry = LiveMessages.logEntry(event, agentID: nil)
                        try await writer.write(ServerSentEvent("log_entry", json: entry, id: event.seq))
                    case NewTaskEvent.Kind.status:
                        let status: JSONValue = [
                            "task_id": .string(taskID), "status": event.data["status"] ?? .null,
                            "timestamp": .string(Timestamp.format(event.createdAt)),
                        ]
                        try await writer.write(ServerSentEvent("task_status", json: status, id: event.seq))
                        if event.finalStatus != nil { try await writer.write(ServerSentEvent("end", json: status)) }
                    default:
                        break
                    }
                }
            }
            try await writer.finish(nil)
        }
        return .eventStream(body)
    }
}
