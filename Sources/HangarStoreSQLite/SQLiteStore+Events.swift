import Foundation
import GRDB
public import HangarCore
public import HangarStore

extension SQLiteStore {
    public func eventAppend(_ params: EventAppendParams) async throws -> [TaskEvent] {
        let now = Date()
        return try await write { db, signals in
            try SQLiteStore.append(db, taskID: params.taskID, leaseToken: params.leaseToken, events: params.events, now: now, signals: &signals)
        }
    }

    public func eventList(taskID: String, afterSeq: Int64, limit: Int) async throws -> [TaskEvent] {
        try await read { db in
            try Row.fetchAll(
                db,
                cached: "SELECT task_id, seq, type, data, created_at FROM task_events WHERE task_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                arguments: [taskID, afterSeq, limit]
            ).map(SQLiteRows.event)
        }
    }

    public func eventSearch(_ params: EventSearchParams) async throws -> [EventHit] {
        let types = params.types.isEmpty ? [""] : params.types
        let levels = params.levels ?? []
        var sql = """
            SELECT e.task_id, e.seq, e.type, e.data, e.created_at, t.agent_id FROM task_events e JOIN tasks t ON t.id = e.task_id
            WHERE t.tenant_id = ? AND e.type IN (\(types.map { _ in "?" }.joined(separator: ",")))
            """
        var arguments: [(any DatabaseValueConvertible)?] = [params.tenantID] + types
        if let agentID = params.agentID { sql += " AND t.agent_id = ?"; arguments.append(agentID) }
        if let taskID = params.taskID { sql += " AND e.task_id = ?"; arguments.append(taskID) }
        if params.levels != nil {
            sql += " AND coalesce(json_extract(e.data, '$.level'), 'info') IN (\(levels.isEmpty ? "NULL" : levels.map { _ in "?" }.joined(separator: ",")))"
            arguments += levels
        }
        if let pattern = params.likePattern { sql += " AND json_extract(e.data, '$.message') LIKE ? ESCAPE '\\'"; arguments.append(pattern) }
        if let before = params.before { sql += " AND e.created_at < ?"; arguments.append(before.timeIntervalSince1970) }
        sql += " ORDER BY e.created_at DESC, e.seq DESC LIMIT ?"
        arguments.append(params.limit)
        let query = sql
        let bound = StatementArguments(arguments)
        return try await read { db in
            try Row.fetchAll(db, sql: query, arguments: bound).map { row in
                EventHit(event: SQLiteRows.event(row), agentID: row[5])
            }
        }
    }

    /// Numbers and stores events inside the caller's transaction. The counter lives on the
    /// task row, so concurrent appenders serialise on it and the sequence has no gaps.
    static func append(
        _ db: Database, taskID: String, leaseToken: String? = nil, events: [NewTaskEvent], now: Date,
        signals: inout [QueueSignal]
    ) throws -> [TaskEvent] {
        guard !events.isEmpty else { return [] }
        let last: Int64?
        if let leaseToken {
            last = try Int64.fetchOne(
                db,
                cached: """
                    UPDATE tasks SET last_event_seq = last_event_seq + ?
                    WHERE id = ? AND lease_token = ? AND status = 'running' RETURNING last_event_seq
                    """,
                arguments: [events.count, taskID, leaseToken])
            guard last != nil else { throw HangarError.leaseLost(taskID: taskID) }
        } else {
            last = try Int64.fetchOne(
                db, cached: "UPDATE tasks SET last_event_seq = last_event_seq + ? WHERE id = ? RETURNING last_event_seq",
                arguments: [events.count, taskID])
            guard last != nil else { throw HangarError.notFound(resource: "task", id: taskID) }
        }
        let first = last! - Int64(events.count) + 1
        var stored: [TaskEvent] = []
        stored.reserveCapacity(events.count)
        let statement = try db.cachedStatement(
            sql: "INSERT INTO task_events (task_id, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?)")
        for (offset, event) in events.enumerated() {
            let seq = first + Int64(offset)
            try statement.execute(arguments: [taskID, seq, event.type, JSONText.encode(event.data), now.sqlite])
            stored.append(TaskEvent(taskID: taskID, seq: seq, type: event.type, data: event.data, createdAt: now))
        }
        signals.append(.event(taskID: taskID, seq: last!))
        return stored
    }
}
