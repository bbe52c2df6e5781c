import Foundation
public import HangarCore
public import HangarStore
import Logging
import PostgresNIO

extension PostgresStore {
    public func eventAppend(_ params: EventAppendParams) async throws -> [TaskEvent] {
        do {
            return try await append(client, taskID: params.taskID, leaseToken: params.leaseToken, events: params.events)
        } catch {
            throw Self.mapUnavailable(error, url: url)
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

    public func eventSearch(_ params: EventSearchParams) async throws -> [EventHit] {
        let levels = params.levels ?? []
        let filterLevels = params.levels != nil
        let rows = try await query(
            """
            SELECT e.task_id, e.seq, e.type, e.data::text AS data, e.created_at, t.agent_id FROM task_events e JOIN tasks t ON t.id = e.task_id
            WHERE t.tenant_id = \(params.tenantID) AND e.type = ANY(\(params.types))
              AND (\(params.agentID)::text IS NULL OR t.agent_id = \(params.agentID))
              AND (\(params.taskID)::text IS NULL OR e.task_id = \(params.taskID))
              AND (NOT \(filterLevels) OR coalesce(e.data->>'level', 'info') = ANY(\(levels)))
              AND (\(params.likePattern)::text IS NULL OR e.data->>'message' ILIKE \(params.likePattern))
              AND (\(params.before)::timestamptz IS NULL OR e.created_at < \(params.before))
            ORDER BY e.created_at DESC, e.seq DESC LIMIT \(params.limit)
            """, logger: logger)
        var hits: [EventHit] = []
        for try await row in rows {
            hits.append(EventHit(event: try PostgresRows.event(row), agentID: try row.makeRandomAccess()["agent_id"].decode(String.self)))
        }
        return hits
    }

    /// Numbers, stores and announces events in ONE statement: the counter lives on the task
    /// row, whose row lock serialises concurrent appenders, so the sequence has no gaps; the
    /// NOTIFY is delivered when the surrounding transaction (or the statement) commits.
    func append(
        _ executor: some PostgresQueryRunner, taskID: String, leaseToken: String? = nil, events: [NewTaskEvent]
    ) async throws -> [TaskEvent] {
        guard !events.isEmpty else { return [] }
        let count = events.count
        let types = events.map(\.type)
        let data = events.map { JSONText.encode($0.data) }
        let row = try await executor.run(
            """
            WITH t AS (
                UPDATE tasks SET last_event_seq = last_event_seq + \(count)::bigint
                WHERE id = \(taskID) AND (\(leaseToken)::text IS NULL OR (lease_token = \(leaseToken) AND status = 'running'))
                RETURNING last_event_seq, now() AS at
            ), inserted AS (
                INSERT INTO task_events (task_id, seq, type, data, created_at)
                SELECT \(taskID)::text, t.last_event_seq - \(count)::bigint + u.n, u.type, u.data::jsonb, t.at
                FROM t, unnest(\(types)::text[], \(data)::text[]) WITH ORDINALITY AS u(type, data, n)
            )
            SELECT t.last_event_seq, t.at, pg_notify(\(url.channel)::text, 'e:' || \(taskID)::text || ':' || t.last_event_seq) IS NULL FROM t
            """, as: Shapes.EventAppend.self, logger: logger
        ).first.map { try $0.decode((Int64, Date, Bool).self) }
        guard let (last, now, _) = row else {
            if leaseToken != nil { throw HangarError.leaseLost(taskID: taskID) }
            throw HangarError.notFound(resource: "task", id: taskID)
        }
        let first = last - Int64(count) + 1
        return events.enumerated().map { offset, event in
            TaskEvent(taskID: taskID, seq: first + Int64(offset), type: event.type, data: event.data, createdAt: now)
        }
    }
}

/// Runs a query on a pooled client or on one connection inside a transaction.
protocol PostgresQueryRunner: Sendable {
    func run(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence
    func runPrepared<Shape: StatementShape>(_ statement: Prepared<Shape>, logger: Logger) async throws -> [PostgresRow]
}

extension PostgresClient: PostgresQueryRunner {
    func run(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await self.query(query, logger: logger)
    }
}

extension PostgresConnection: PostgresQueryRunner {
    func run(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await self.query(query, logger: logger)
    }
}
