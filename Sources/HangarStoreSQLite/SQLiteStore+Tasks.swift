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
                        timeout_seconds, max_steps, callback_url, idempotency_key, run_at, created_at, updated_at)
                    VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, params.tenantID, params.agentID, kind, params.priority, JSONText.encode(params.input),
                    JSONText.encode(params.options), params.maxAttempts, params.timeoutSeconds, params.maxSteps,
                    params.callbackURL, params.idempotencyKey, runAt.sqlite, now.sqlite, now.sqlite,
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
        switch task.status {
        case .queued:
            let failure = TaskFailure(code: "cancelled", message: reason, retryable: false)
            try db.execute(
                cached: "UPDATE tasks SET status = 'cancelled', error = ?, completed_at = ?, updated_at = ? WHERE id = ?",
                arguments: [StorageCoding.text(failure), now.sqlite, now.sqlite, taskID])
            _ = try append(db, taskID: taskID, events: [StatusEvent.make(.cancelled, attempt: task.attempts, reason: reason)], now: now, signals: &signals)
            try enqueueWebhooks(db, taskID: taskID, status: .cancelled, now: now, signals: &signals)
        case .running where !task.cancelRequested:
            try db.execute(
                cached: "UPDATE tasks SET cancel_requested = 1, updated_at = ? WHERE id = ?", arguments: [now.sqlite, taskID])
            _ = try append(db, taskID: taskID, events: [StorageCoding.cancelRequestedEvent(reason: reason)], now: now, signals: &signals)
            signals.append(.cancelRequested(taskID: taskID))
        default:
            break
        }
        return try fetchTask(db, id: taskID)!
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
                        SELECT t.attempts, t.max_attempts, a.max_concurrency FROM tasks t LEFT JOIN agents a ON a.id = t.agent_id
                        WHERE t.id = ? AND t.lease_token = ? AND t.status = 'running'
                        """,
                    arguments: [params.taskID, params.leaseToken])
            else { throw HangarError.leaseLost(taskID: params.taskID) }
            let attempts: Int = row["attempts"]
            let maxAttempts: Int = row["max_attempts"]
            let agentLimited = (row["max_concurrency"] as Int?) != nil
            let event: NewTaskEvent
            var final: TaskStatus?
            let clearLease = "lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL"
            switch params.outcome {
            case .completed(let output, let usage):
                try db.execute(
                    cached: """
                        UPDATE tasks SET status = 'completed', output = ?, usage = ?, error = NULL, progress = 100,
                            completed_at = ?, updated_at = ?, \(clearLease) WHERE id = ?
                        """,
                    arguments: [JSONText.encode(output), usage.map(JSONText.encode), now.sqlite, now.sqlite, params.taskID])
                event = StatusEvent.make(.completed, attempt: attempts)
                final = .completed
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
            case .failed(let failure, let delay):
                if failure.retryable && attempts < maxAttempts {
                    let runAt = now.addingTimeInterval(delay.seconds)
                    try db.execute(
                        cached: """
                            UPDATE tasks SET status = 'queued', error = ?, run_at = ?, cancel_requested = 0, updated_at = ?,
                                \(clearLease) WHERE id = ?
                            """,
                        arguments: [StorageCoding.text(failure), runAt.sqlite, now.sqlite, params.taskID])
                    event = StatusEvent.make(.queued, attempt: attempts, error: failure, runAt: runAt)
                    signals.append(.taskAvailable)
                } else {
                    try db.execute(
                        cached: "UPDATE tasks SET status = 'failed', error = ?, completed_at = ?, updated_at = ?, \(clearLease) WHERE id = ?",
                        arguments: [StorageCoding.text(failure), now.sqlite, now.sqlite, params.taskID])
                    event = StatusEvent.make(.failed, attempt: attempts, error: failure)
                    final = .failed
                }
            case .cancelled(let reason):
                let failure = TaskFailure(code: "cancelled", message: reason, retryable: false)
                try db.execute(
                    cached: "UPDATE tasks SET status = 'cancelled', error = ?, completed_at = ?, updated_at = ?, \(clearLease) WHERE id = ?",
                    arguments: [StorageCoding.text(failure), now.sqlite, now.sqlite, params.taskID])
                event = StatusEvent.make(.cancelled, attempt: attempts, reason: reason)
                final = .cancelled
            case .timedOut(let failure):
                try db.execute(
                    cached: "UPDATE tasks SET status = 'timed_out', error = ?, completed_at = ?, updated_at = ?, \(clearLease) WHERE id = ?",
                    arguments: [StorageCoding.text(failure), now.sqlite, now.sqlite, params.taskID])
                event = StatusEvent.make(.timedOut, attempt: attempts, error: failure)
                final = .timedOut
            }
            try SQLiteStore.insertUsage(db, params.usage)
            _ = try SQLiteStore.append(db, taskID: params.taskID, events: [event], now: now, signals: &signals)
            if let final { try SQLiteStore.enqueueWebhooks(db, taskID: params.taskID, status: final, now: now, signals: &signals) }
            if agentLimited { signals.append(.taskAvailable) }
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
                let id: String = row["id"]
                let attempts: Int = row["attempts"]
                let maxAttempts: Int = row["max_attempts"]
                let cancelRequested: Bool = row["cancel_requested"]
                let failure = TaskFailure.leaseExpired(attempt: attempts)
                let clearLease = "lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL"
                let event: NewTaskEvent
                if cancelRequested {
                    try db.execute(
                        cached: "UPDATE tasks SET status = 'cancelled', completed_at = ?, updated_at = ?, \(clearLease) WHERE id = ?",
                        arguments: [now.sqlite, now.sqlite, id])
                    event = StatusEvent.make(.cancelled, attempt: attempts, reason: "cancelled while its worker was lost")
                    try SQLiteStore.enqueueWebhooks(db, taskID: id, status: .cancelled, now: now, signals: &signals)
                } else if attempts >= maxAttempts {
                    try db.execute(
                        cached: "UPDATE tasks SET status = 'failed', error = ?, completed_at = ?, updated_at = ?, \(clearLease) WHERE id = ?",
                        arguments: [StorageCoding.text(failure), now.sqlite, now.sqlite, id])
                    event = StatusEvent.make(.failed, attempt: attempts, error: failure)
                    try SQLiteStore.enqueueWebhooks(db, taskID: id, status: .failed, now: now, signals: &signals)
                } else {
                    let runAt = now.addingTimeInterval(params.retryDelay(attempts).seconds)
                    try db.execute(
                        cached: "UPDATE tasks SET status = 'queued', error = ?, run_at = ?, updated_at = ?, \(clearLease) WHERE id = ?",
                        arguments: [StorageCoding.text(failure), runAt.sqlite, now.sqlite, id])
                    event = StatusEvent.make(.queued, attempt: attempts, error: failure, runAt: runAt)
                }
                _ = try SQLiteStore.append(db, taskID: id, events: [event], now: now, signals: &signals)
            }
            if !rows.isEmpty { signals.append(.taskAvailable) }
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

    static func fetchTask(_ db: Database, id: String) throws -> TaskRecord? {
        try Row.fetchOne(db, cached: "SELECT \(SQLiteRows.taskColumns) FROM tasks WHERE id = ?", arguments: [id]).map(SQLiteRows.task)
    }
}
