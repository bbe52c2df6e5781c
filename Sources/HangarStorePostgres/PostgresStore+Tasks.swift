import Foundation
public import HangarCore
public import HangarStore
import PostgresNIO

extension PostgresStore {
    public func taskInsert(_ params: TaskInsertParams) async throws -> TaskInsertResult {
        // Submissions without a key go in batches: one statement for every submission that
        // arrives meanwhile (see `insertBatch`). A key needs its own lookup and race handling.
        guard params.idempotencyKey != nil else {
            return try await inserts.submit(params) { batch in try await self.insertBatch(batch) }
        }
        if let existing = try await existingTask(tenantID: params.tenantID, idempotencyKey: params.idempotencyKey) {
            return TaskInsertResult(task: existing, inserted: false)
        }
        do {
            // Alone, not batched: a unique violation (a concurrent submit of the same key) would
            // fail every submission in a batch.
            return try await insertBatch([params])[0].get()
        } catch where Self.isUniqueViolation(error) && params.idempotencyKey != nil {
            // Lost a race with a concurrent submit of the same key: theirs is the first task.
            if let existing = try await existingTask(tenantID: params.tenantID, idempotencyKey: params.idempotencyKey) {
                return TaskInsertResult(task: existing, inserted: false)
            }
            throw error
        }
    }

    public func taskGetByIdempotencyKey(tenantID: String, key: String) async throws -> TaskRecord? {
        try await existingTask(tenantID: tenantID, idempotencyKey: key)
    }

    private func existingTask(tenantID: String, idempotencyKey: String?) async throws -> TaskRecord? {
        guard let idempotencyKey else { return nil }
        return try await query(
            """
            SELECT \(unescaped: PostgresRows.taskColumns()) FROM tasks
            WHERE tenant_id = \(tenantID) AND idempotency_key = \(idempotencyKey)
            """, logger: logger
        ).first(PostgresRows.task)
    }

    public func taskGet(tenantID: String?, id: String) async throws -> TaskRecord? {
        try await prepared(
            """
            SELECT \(unescaped: PostgresRows.taskColumns()) FROM tasks
            WHERE id = \(id) AND (\(tenantID)::text IS NULL OR tenant_id = \(tenantID))
            """, as: Shapes.TaskGet.self
        ).first.map(PostgresRows.task)
    }

    func fetchTask(_ connection: PostgresConnection, id: String, lock: Bool = false) async throws -> TaskRecord? {
        try await connection.query(
            "SELECT \(unescaped: PostgresRows.taskColumns()) FROM tasks WHERE id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")",
            logger: logger
        ).first(PostgresRows.task)
    }

    public func taskList(_ params: TaskListParams) async throws -> [TaskRecord] {
        let statuses = params.statuses.map(\.rawValue)
        return try await query(
            """
            SELECT \(unescaped: PostgresRows.taskColumns()) FROM tasks
            WHERE (\(params.tenantID)::text IS NULL OR tenant_id = \(params.tenantID))
              AND (\(params.agentID)::text IS NULL OR agent_id = \(params.agentID))
              AND (\(params.agentKind)::text IS NULL OR agent_kind = \(params.agentKind))
              AND (cardinality(\(statuses)::text[]) = 0 OR status = ANY(\(statuses)::text[]))
            ORDER BY seq DESC LIMIT \(params.limit) OFFSET \(params.offset)
            """, logger: logger
        ).all(PostgresRows.task)
    }

    public func taskUpdateQueued(_ params: TaskUpdateParams) async throws -> TaskRecord {
        try await transaction { connection, signals in
            guard let task = try await self.fetchTask(connection, id: params.id, lock: true), task.tenantID == params.tenantID else {
                throw HangarError.notFound(resource: "task", id: params.id)
            }
            guard task.status == .queued else {
                throw HangarError.conflict("task is \(task.status.rawValue); only queued tasks can be changed")
            }
            try await connection.query(
                """
                UPDATE tasks SET priority = COALESCE(\(params.priority), priority),
                    timeout_seconds = COALESCE(\(params.timeoutSeconds), timeout_seconds),
                    max_attempts = COALESCE(\(params.maxAttempts), max_attempts), updated_at = now()
                WHERE id = \(params.id)
                """, logger: self.logger)
            signals.append(.taskAvailable)
            return try await self.fetchTask(connection, id: params.id)!
        }
    }

    public func taskCancel(tenantID: String, id: String, reason: String) async throws -> TaskRecord {
        try await transaction { connection, signals in
            guard let task = try await self.fetchTask(connection, id: id, lock: true), task.tenantID == tenantID else {
                throw HangarError.notFound(resource: "task", id: id)
            }
            return try await self.cancel(connection, taskID: task.id, reason: reason, signals: &signals)
        }
    }

    func cancel(_ connection: PostgresConnection, taskID: String, reason: String, signals: inout [QueueSignal]) async throws -> TaskRecord {
        guard let task = try await fetchTask(connection, id: taskID, lock: true) else {
            throw HangarError.notFound(resource: "task", id: taskID)
        }
        switch TaskTransitions.cancel(
            taskID: taskID, status: task.status, cancelRequested: task.cancelRequested, attempts: task.attempts, reason: reason)
        {
        case .end(let move):
            try await apply(connection, taskID: taskID, move, signals: &signals)
        case .askWorker(let event, let signal):
            try await connection.query(
                "UPDATE tasks SET cancel_requested = true, updated_at = now() WHERE id = \(taskID)", logger: logger)
            _ = try await append(connection, taskID: taskID, events: [event])
            signals.append(signal)
        case .none:
            break
        }
        return try await fetchTask(connection, id: taskID)!
    }

    /// Writes a planned move (see `TaskTransitions`): status and error, the lease released,
    /// the status event, the webhooks of a final status, and the move's signals.
    func apply(
        _ connection: PostgresConnection, taskID: String, _ move: TaskTransitions.Move, signals: inout [QueueSignal]
    ) async throws {
        var runAt: Date?
        switch move.target {
        case .requeue(let delay):
            runAt = try await connection.query(
                """
                UPDATE tasks SET status = 'queued', error = \(StorageCoding.text(move.error))::jsonb,
                    run_at = now() + \(delay.seconds) * interval '1 second', cancel_requested = false, updated_at = now(),
                    lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
                WHERE id = \(taskID) RETURNING run_at
                """, logger: logger
            ).first { try $0.decode(Date.self) }
        case .end(let status):
            try await connection.query(
                """
                UPDATE tasks SET status = \(status.rawValue), error = \(StorageCoding.text(move.error))::jsonb, completed_at = now(),
                    updated_at = now(), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
                WHERE id = \(taskID)
                """, logger: logger)
            try await enqueueWebhooks(connection, taskID: taskID, status: status, signals: &signals)
        }
        _ = try await append(connection, taskID: taskID, events: [move.event(runAt: runAt)])
        signals.append(contentsOf: move.signals)
    }

    public func taskHeartbeat(_ params: TaskHeartbeatParams) async throws -> [LeaseState] {
        guard !params.leases.isEmpty else { return [] }
        let ids = params.leases.map(\.taskID)
        let tokens = params.leases.map(\.token)
        let held = try await query(
            """
            WITH l AS (
                SELECT * FROM unnest(\(ids)::text[], \(tokens)::text[]) AS l(id, token)
            ), locked AS (
                -- Row locks in id order, as batched completions take them: the two never deadlock.
                SELECT t.id FROM tasks t JOIN l ON l.id = t.id AND l.token = t.lease_token
                WHERE t.status = 'running' ORDER BY t.id FOR UPDATE OF t
            )
            UPDATE tasks t SET lease_expires_at = now() + \(params.leaseDuration.seconds) * interval '1 second'
            FROM l WHERE t.id = l.id AND t.id IN (SELECT id FROM locked) AND t.lease_token = l.token AND t.status = 'running'
            RETURNING t.lease_token, t.cancel_requested
            """, logger: logger
        ).all { try $0.decode((String, Bool).self) }
        let cancelByToken = Dictionary(held, uniquingKeysWith: { $1 })
        return params.leases.map { lease in
            LeaseState(
                taskID: lease.taskID, leaseToken: lease.token, held: cancelByToken[lease.token] != nil,
                cancelRequested: cancelByToken[lease.token] ?? false)
        }
    }

    public func taskFinish(_ params: TaskFinishParams) async throws -> TaskRecord {
        // The common case, a completion, goes in batches: one statement for every completion
        // that arrives meanwhile (see `finishCompleted`).
        if case .completed = params.outcome {
            return try await completions.submit(params) { batch in try await self.finishCompleted(batch) }
        }
        return try await transaction { connection, signals in
            guard
                let (attempts, maxAttempts, cancelRequested, limit) = try await connection.query(
                    """
                    SELECT t.attempts, t.max_attempts, t.cancel_requested, a.max_concurrency
                    FROM tasks t LEFT JOIN agents a ON a.id = t.agent_id
                    WHERE t.id = \(params.taskID) AND t.lease_token = \(params.leaseToken) AND t.status = 'running'
                    FOR UPDATE OF t
                    """, logger: self.logger
                ).first({ try $0.decode((Int, Int, Bool, Int?).self) })
            else { throw HangarError.leaseLost(taskID: params.taskID) }
            let move = TaskTransitions.finish(
                params.outcome, attempts: attempts, maxAttempts: maxAttempts, cancelRequested: cancelRequested,
                agentLimited: limit != nil)
            try await self.insertUsage(connection, params.usage)
            try await self.apply(connection, taskID: params.taskID, move, signals: &signals)
            return try await self.fetchTask(connection, id: params.taskID)!
        }
    }

    public func taskRescueExpired(_ params: TaskRescueParams) async throws -> [String] {
        try await transaction { connection, signals in
            let rows = try await connection.query(
                """
                SELECT id, attempts, max_attempts, cancel_requested FROM tasks
                WHERE status = 'running' AND lease_expires_at < now()
                ORDER BY lease_expires_at LIMIT \(params.limit) FOR UPDATE SKIP LOCKED
                """, logger: self.logger
            ).all { try $0.decode((String, Int, Int, Bool).self) }
            for (id, attempts, maxAttempts, cancelRequested) in rows {
                let move = TaskTransitions.rescue(
                    attempts: attempts, maxAttempts: maxAttempts, cancelRequested: cancelRequested, retryDelay: params.retryDelay(attempts))
                try await self.apply(connection, taskID: id, move, signals: &signals)
            }
            return rows.map(\.0)
        }
    }

    public func taskDeleteFinished(before: Date, limit: Int) async throws -> Int {
        try await transaction { connection, _ in
            let ids = try await connection.query(
                """
                SELECT id FROM tasks WHERE completed_at IS NOT NULL AND completed_at < \(before)
                LIMIT \(limit) FOR UPDATE SKIP LOCKED
                """, logger: self.logger
            ).all { try $0.decode(String.self) }
            guard !ids.isEmpty else { return 0 }
            try await connection.query("DELETE FROM task_events WHERE task_id = ANY(\(ids)::text[])", logger: self.logger)
            try await connection.query("DELETE FROM webhook_deliveries WHERE task_id = ANY(\(ids)::text[])", logger: self.logger)
            try await connection.query("DELETE FROM tasks WHERE id = ANY(\(ids)::text[])", logger: self.logger)
            return ids.count
        }
    }

    public func taskCounts(tenantID: String?) async throws -> TaskCounts {
        var byStatus: [TaskStatus: Int] = [:]
        for (status, count) in try await query(
            "SELECT status, count(*)::bigint FROM tasks WHERE (\(tenantID)::text IS NULL OR tenant_id = \(tenantID)) GROUP BY status",
            logger: logger
        ).all({ try $0.decode((String, Int).self) }) {
            if let status = TaskStatus(rawValue: status) { byStatus[status] = count }
        }
        var byPriority: [Int: Int] = [:]
        for (priority, count) in try await query(
            """
            SELECT priority, count(*)::bigint FROM tasks
            WHERE status = 'queued' AND (\(tenantID)::text IS NULL OR tenant_id = \(tenantID)) GROUP BY priority
            """, logger: logger
        ).all({ try $0.decode((Int, Int).self) }) {
            byPriority[priority] = count
        }
        return TaskCounts(byStatus: byStatus, queuedByPriority: byPriority)
    }

    public func taskQueueLoad() async throws -> TaskQueueLoad {
        var byPriority: [Int: Int] = [:]
        for (priority, count) in try await query(
            "SELECT priority, count(*)::bigint FROM tasks WHERE status = 'queued' GROUP BY priority", logger: logger
        ).all({ try $0.decode((Int, Int).self) }) {
            byPriority[priority] = count
        }
        let running = try await query("SELECT count(*)::bigint FROM tasks WHERE status = 'running'", logger: logger)
            .all({ try $0.decode(Int.self) }).first ?? 0
        return TaskQueueLoad(queuedByPriority: byPriority, running: running)
    }

    public func taskRecentDurations(agentID: String, limit: Int) async throws -> [Double] {
        try await query(
            """
            SELECT extract(epoch FROM completed_at - started_at)::float8 FROM tasks
            WHERE agent_id = \(agentID) AND status = 'completed' AND started_at IS NOT NULL AND completed_at IS NOT NULL
            ORDER BY seq DESC LIMIT \(limit)
            """, logger: logger
        ).all({ try $0.decode(Double.self) })
    }
}
