import Foundation
import GRDB
public import HangarCore
public import HangarStore

extension SQLiteStore {
    public func taskInsert(_ params: TaskInsertParams) async throws -> TaskInsertResult {
        let now = Date()
        return try await write { db, signals in
            if let key = params.idempotencyKey,
                let existing = try Row.fetchOne(
                    db, cached: "SELECT \(SQLiteRows.taskColumns) FROM tasks WHERE tenant_id = ? AND idempotency_key = ?",
                    arguments: [params.tenantID, key])
            {
                return TaskInsertResult(task: SQLiteRows.task(existing), inserted: false)
            }
            guard
                let kind = try String.fetchOne(
                    db, cached: "SELECT kind FROM agents WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL",
                    arguments: [params.agentID, params.tenantID])
            else { throw HangarError.notFound(resource: "agent", id: params.agentID) }
            let id = Identifier.make(now: now)
            let runAt = params.runAt ?? now
            try db.execute(
                cached: """
                    INSERT INTO tasks (id, tenant_id, agent_id, agent_kind, status, priority, input, options, max_attempts,
                        timeout_seconds, max_steps, callback_url, idempotency_key, run_at, created_at, updated_at, owner_process,
                        trace_parent)
                    VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, params.tenantID, params.agentID, kind, params.priority, JSONText.encode(params.input),
                    JSONText.encode(params.options), params.maxAttempts, params.timeoutSeconds, params.maxSteps,
                    params.callbackURL, params.idempotencyKey, runAt.sqlite, now.sqlite, now.sqlite, params.ownerProcess, params.traceParent,
                ])
            _ = try SQLiteStore.append(db, taskID: id, events: [StatusEvent.make(.queued, attempt: 0)], now: now, signals: &signals)
            signals.append(.taskAvailable)
            return TaskInsertResult(task: try SQLiteStore.fetchTask(db, id: id)!, inserted: true)
        }
    }

    public func taskGet(tenantID: String?, id: String) async throws -> TaskRecord? {
        try await read { db in
            let task = try SQLiteStore.fetchTask(db, id: id)
            if let tenantID, task?.tenantID != tenantID { return nil }
            return task
        }
    }

    public func taskGetByIdempotencyKey(tenantID: String, key: String) async throws -> TaskRecord? {
        try await read { db in
            try Row.fetchOne(
                db, cached: "SELECT \(SQLiteRows.taskColumns) FROM tasks WHERE tenant_id = ? AND idempotency_key = ?", arguments: [tenantID, key]
            ).map(SQLiteRows.task)
        }
    }

    public func taskList(_ params: TaskListParams) async throws -> [TaskRecord] {
        try await read { db in
            var clauses: [String] = []
            var arguments = StatementArguments()
            if let tenantID = params.tenantID {
                clauses.append("tenant_id = ?")
                arguments += [tenantID]
            }
            if let agentID = params.agentID {
                clauses.append("agent_id = ?")
                arguments += [agentID]
            }
            if let kind = params.agentKind {
                clauses.append("agent_kind = ?")
                arguments += [kind]
            }
            if !params.statuses.isEmpty {
                clauses.append("status IN (\(params.statuses.map { _ in "?" }.joined(separator: ", ")))")
                arguments += StatementArguments(params.statuses.map(\.rawValue))
            }
            let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            arguments += [params.limit, params.offset]
            return try Row.fetchAll(
                db, sql: "SELECT \(SQLiteRows.taskColumns) FROM tasks \(filter) ORDER BY seq DESC LIMIT ? OFFSET ?",
                arguments: arguments
            ).map(SQLiteRows.task)
        }
    }

    public func taskUpdateQueued(_ params: TaskUpdateParams) async throws -> TaskRecord {
        let now = Date()
        return try await write { db, signals in
            guard let task = try SQLiteStore.fetchTask(db, id: params.id), task.tenantID == params.tenantID else {
                throw HangarError.notFound(resource: "task", id: params.id)
            }
            guard task.status == .queued else {
                throw HangarError.conflict("task is \(task.status.rawValue); only queued tasks can be changed")
            }
            try db.execute(
                cached: """
                    UPDATE tasks SET priority = COALESCE(?, priority), timeout_seconds = COALESCE(?, timeout_seconds),
                        max_attempts = COALESCE(?, max_attempts), updated_at = ? WHERE id = ?
                    """,
                arguments: [params.priority, params.timeoutSeconds, params.maxAttempts, now.sqlite, params.id])
            signals.append(.taskAvailable)
            return try SQLiteStore.fetchTask(db, id: params.id)!
        }
    }

    public func taskCancel(tenantID: String, id: String, reason: String) async throws -> TaskRecord {
        let now = Date()
        return try await write { db, signals in
            guard let task = try SQLiteStore.fetchTask(db, id: id), task.tenantID == tenantID else {
                throw HangarError.notFound(resource: "task", id: id)
            }
            return try SQLiteStore.cancel(db, taskID: task.id, reason: reason, now: now, signals: &signals)
        }
    }

    static func cancel(_ db: Database, taskID: String, reason: String, now: Date, signals: inout [QueueSignal]) throws -> TaskRecord {
        guard let task = try fetchTask(db, id: taskID) else { throw HangarError.notFound(resource: "task", id: taskID) }
        switch TaskTransitions.cancel(
            taskID: taskID, status: task.status, cancelRequested: task.cancelRequested, attempts: task.attempts, reason: reason)
        {
        case .end(let move):
            try apply(db, taskID: taskID, move, now: now, signals: &signals)
        case .askWorker(let event, let signal):
            try db.execute(
                cached: "UPDATE tasks SET cancel_requested = 1, updated_at = ? WHERE id = ?", arguments: [now.sqlite, taskID])
            _ = try append(db, taskID: taskID, events: [event], now: now, signals: &signals)
            signals.append(signal)
        case .none:
            break
        }
        return try fetchTask(db, id: taskID)!
    }

    /// Writes a planned move (see `TaskTransitions`): status and error, the lease released,
    /// the status event, the webhooks of a final status, and the move's signals. A completion's
    /// result goes in the same row update.
    static func apply(
        _ db: Database, taskID: String, _ move: TaskTransitions.Move, result: (output: JSONValue, usage: JSONValue?)? = nil, now: Date,
        signals: inout [QueueSignal]
    ) throws {
        var runAt: Date?
        switch move.target {
        case .requeue(let delay):
            let at = now.addingTimeInterval(delay.seconds)
            runAt = at
            try db.execute(
                cached: """
                    UPDATE tasks SET status = 'queued', error = ?, run_at = ?, cancel_requested = 0, updated_at = ?,
                        lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL WHERE id = ?
                    """,
                arguments: [StorageCoding.text(move.error), at.sqlite, now.sqlite, taskID])
        case .end(let status):
            if let result {
                try db.execute(
                    cached: """
                        UPDATE tasks SET status = ?, error = ?, output = ?, usage = ?, progress = 100, completed_at = ?, updated_at = ?,
                            lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL WHERE id = ?
                        """,
                    arguments: [
                        status.rawValue, StorageCoding.text(move.error), JSONText.encode(result.output), result.usage.map(JSONText.encode),
                        now.sqlite, now.sqlite, taskID,
                    ])
            } else {
                try db.execute(
                    cached: """
                        UPDATE tasks SET status = ?, error = ?, completed_at = ?, updated_at = ?,
                            lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL WHERE id = ?
                        """,
                    arguments: [status.rawValue, StorageCoding.text(move.error), now.sqlite, now.sqlite, taskID])
            }
            try enqueueWebhooks(db, taskID: taskID, status: status, now: now, signals: &signals)
        }
        _ = try append(db, taskID: taskID, events: [move.event(runAt: runAt)], now: now, signals: &signals)
        signals.append(contentsOf: move.signals)
    }

    public func taskHeartbeat(_ params: TaskHeartbeatParams) async throws -> [LeaseState] {
        let expires = Date().addingTimeInterval(params.leaseDuration.seconds)
        return try await write { db, _ in
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE tasks SET lease_expires_at = ?
                    WHERE id = ? AND lease_token = ? AND status = 'running' RETURNING cancel_requested
                    """)
            return try params.leases.map { lease in
                let cancel = try Bool.fetchOne(statement, arguments: [expires.sqlite, lease.taskID, lease.token])
                return LeaseState(taskID: lease.taskID, leaseToken: lease.token, held: cancel != nil, cancelRequested: cancel ?? false)
            }
        }
    }

    public func taskFinish(_ params: TaskFinishParams) async throws -> TaskRecord {
        let now = Date()
        return try await write { db, signals in
            guard
                let row = try Row.fetchOne(
                    db,
                    cached: """
                        SELECT t.attempts, t.max_attempts, t.cancel_requested, a.max_concurrency
                        FROM tasks t LEFT JOIN agents a ON a.id = t.agent_id
                        WHERE t.id = ? AND t.lease_token = ? AND t.status = 'running'
                        """,
                    arguments: [params.taskID, params.leaseToken])
            else { throw HangarError.leaseLost(taskID: params.taskID) }
            let move = TaskTransitions.finish(
                params.outcome, attempts: row["attempts"], maxAttempts: row["max_attempts"], cancelRequested: row["cancel_requested"],
                agentLimited: (row["max_concurrency"] as Int?) != nil)
            var result: (output: JSONValue, usage: JSONValue?)?
            if case .completed(let output, let usage) = params.outcome {
                result = (output, usage)
                // Only tenants with a budget are counted: an unbudgeted tenant's completions touch no shared row.
                let tokens = StorageCoding.totalTokens(usage)
                if tokens > 0 {
                    try db.execute(
                        cached: """
                            UPDATE tenant_quotas SET tokens_used = tokens_used + ?
                            WHERE tenant_id = (SELECT tenant_id FROM tasks WHERE id = ?) AND token_budget IS NOT NULL
                            """,
                        arguments: [tokens, params.taskID])
                }
            }
            try SQLiteStore.insertUsage(db, params.usage)
            try SQLiteStore.apply(db, taskID: params.taskID, move, result: result, now: now, signals: &signals)
            return try SQLiteStore.fetchTask(db, id: params.taskID)!
        }
    }

    public func taskRescueExpired(_ params: TaskRescueParams) async throws -> [String] {
        let now = Date()
        return try await write { db, signals in
            let rows = try Row.fetchAll(
                db,
                cached: """
                    SELECT id, attempts, max_attempts, cancel_requested FROM tasks
                    WHERE status = 'running' AND lease_expires_at < ? LIMIT ?
                    """,
                arguments: [now.sqlite, params.limit])
            for row in rows {
                let attempts: Int = row["attempts"]
                let move = TaskTransitions.rescue(
                    attempts: attempts, maxAttempts: row["max_attempts"], cancelRequested: row["cancel_requested"],
                    retryDelay: params.retryDelay(attempts))
                try SQLiteStore.apply(db, taskID: row["id"], move, now: now, signals: &signals)
            }
            return rows.map { $0["id"] }
        }
    }

    public func taskDeleteFinished(before: Date, limit: Int) async throws -> Int {
        try await write { db, _ in
            let ids = try String.fetchAll(
                db, cached: "SELECT id FROM tasks WHERE completed_at IS NOT NULL AND completed_at < ? LIMIT ?",
                arguments: [before.sqlite, limit])
            guard !ids.isEmpty else { return 0 }
            let marks = ids.map { _ in "?" }.joined(separator: ", ")
            try db.execute(sql: "DELETE FROM task_events WHERE task_id IN (\(marks))", arguments: StatementArguments(ids))
            try db.execute(sql: "DELETE FROM webhook_deliveries WHERE task_id IN (\(marks))", arguments: StatementArguments(ids))
            try db.execute(sql: "DELETE FROM tasks WHERE id IN (\(marks))", arguments: StatementArguments(ids))
            return ids.count
        }
    }

    public func taskCounts(tenantID: String?) async throws -> TaskCounts {
        try await read { db in
            let filter = tenantID == nil ? "" : "WHERE tenant_id = ?"
            let arguments: StatementArguments = tenantID.map { [$0] } ?? []
            var byStatus: [TaskStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM tasks \(filter) GROUP BY status", arguments: arguments) {
                if let status = TaskStatus(rawValue: row["status"]) { byStatus[status] = row["n"] }
            }
            var byPriority: [Int: Int] = [:]
            let queuedFilter = tenantID == nil ? "WHERE status = 'queued'" : "WHERE status = 'queued' AND tenant_id = ?"
            for row in try Row.fetchAll(db, sql: "SELECT priority, count(*) AS n FROM tasks \(queuedFilter) GROUP BY priority", arguments: arguments) {
                byPriority[row["priority"]] = row["n"]
            }
            return TaskCounts(byStatus: byStatus, queuedByPriority: byPriority)
        }
    }

    public func taskQueueLoad() async throws -> TaskQueueLoad {
        try await read { db in
            var byPriority: [Int: Int] = [:]
            for row in try Row.fetchAll(db, cached: "SELECT priority, count(*) AS n FROM tasks WHERE status = 'queued' GROUP BY priority") {
                byPriority[row["priority"]] = row["n"]
            }
            let running = try Int.fetchOne(db, cached: "SELECT count(*) FROM tasks WHERE status = 'running'") ?? 0
            return TaskQueueLoad(queuedByPriority: byPriority, running: running)
        }
    }

    public func taskRecentDurations(agentID: String, limit: Int) async throws -> [Double] {
        try await read { db in
            try Double.fetchAll(
                db, cached: """
                    SELECT completed_at - started_at FROM tasks
                    WHERE agent_id = ? AND status = 'completed' AND started_at IS NOT NULL AND completed_at IS NOT NULL
                    ORDER BY seq DESC LIMIT ?
                    """, arguments: [agentID, limit])
        }
    }

    static func fetchTask(_ db: Database, id: String) throws -> TaskRecord? {
        try Row.fetchOne(db, cached: "SELECT \(SQLiteRows.taskColumns) FROM tasks WHERE id = ?", arguments: [id]).map(SQLiteRows.task)
    }
}
