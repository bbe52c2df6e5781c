import Foundation
public import HangarCore
public import HangarStore
import PostgresNIO

extension PostgresStore {
    public func eventAppend(_ params: EventAppendParams) async throws -> [TaskEvent] {
        try await transaction { connection, signals in
            try await self.append(connection, taskID: params.taskID, leaseToken: params.leaseToken, events: params.events, signals: &signals)
        }
    }

    public func eventList(taskID: String, afterSeq: Int64, limit: Int) async throws -> [TaskEvent] {
        try await query(
            """
            SELECT task_id, seq, type, data::text AS data, created_at FROM task_events
            WHERE task_id = \(taskID) AND seq > \(afterSeq) ORDER BY seq LIMIT \(limit)
            """, logger: logger
        ).all(PostgresRows.event)
    }

    /// Numbers and stores events inside the caller's transaction. The counter lives on the
    /// task row, whose row lock serialises concurrent appenders: the sequence has no gaps.
    func append(
        _ connection: PostgresConnection, taskID: String, leaseToken: String? = nil, events: [NewTaskEvent],
        signals: inout [QueueSignal]
    ) async throws -> [TaskEvent] {
        guard !events.isEmpty else { return [] }
        let count = events.count
        let row = try await connection.query(
            """
            UPDATE tasks SET last_event_seq = last_event_seq + \(count)
            WHERE id = \(taskID) AND (\(leaseToken)::text IS NULL OR (lease_token = \(leaseToken) AND status = 'running'))
            RETURNING last_event_seq, now()
            """, logger: logger
        ).first { try $0.decode((Int64, Date).self) }
        guard let (last, now) = row else {
            if leaseToken != nil { throw HangarError.leaseLost(taskID: taskID) }
            throw HangarError.notFound(resource: "task", id: taskID)
        }
        let first = last - Int64(count) + 1
        let seqs = (0..<count).map { first + Int64($0) }
        let types = events.map(\.type)
        let data = events.map { JSONText.encode($0.data) }
        try await connection.query(
            """
            INSERT INTO task_events (task_id, seq, type, data, created_at)
            SELECT \(taskID), s, t, d::jsonb, \(now) FROM unnest(\(seqs)::bigint[], \(types)::text[], \(data)::text[]) AS u(s, t, d)
            """, logger: logger)
        signals.append(.event(taskID: taskID, seq: last))
        return zip(seqs, events).map { TaskEvent(taskID: taskID, seq: $0, type: $1.type, data: $1.data, createdAt: now) }
    }
}
