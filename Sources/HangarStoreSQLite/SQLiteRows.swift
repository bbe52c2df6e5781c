import Foundation
import GRDB
import HangarCore
import HangarStore

/// Row ↔ domain mapping. Times are stored as REAL seconds since 1970 so that SQL can
/// compare them directly.
extension Date {
    var sqlite: Double { timeIntervalSince1970 }
    init(sqlite seconds: Double) { self.init(timeIntervalSince1970: seconds) }
}

enum SQLiteRows {
    static let taskColumns = """
        id, tenant_id, agent_id, agent_kind, status, priority, input, options, output, error, progress, attempts,
        max_attempts, timeout_seconds, max_steps, callback_url, idempotency_key, usage, run_at, lease_owner,
        lease_token, lease_expires_at, cancel_requested, last_event_seq, created_at, started_at, completed_at, updated_at,
        trace_parent
        """

    /// Positional: the order of `taskColumns` (by-name lookups cost a lowercased string
    /// comparison per column, which showed in profiles).
    static func task(_ row: Row) -> TaskRecord {
        TaskRecord(
            id: row[0], tenantID: row[1], agentID: row[2], agentKind: row[3],
            status: TaskStatus(rawValue: row[4]) ?? .failed, priority: row[5],
            input: JSONText.decodeOrNull(row[6]) ?? .null, options: JSONText.decodeOrNull(row[7]) ?? .emptyObject,
            output: JSONText.decodeOrNull(row[8]), error: StorageCoding.failure(row[9]), progress: row[10], attempts: row[11],
            maxAttempts: row[12], timeoutSeconds: row[13], maxSteps: row[14], callbackURL: row[15], idempotencyKey: row[16],
            usage: JSONText.decodeOrNull(row[17]), runAt: Date(sqlite: row[18]), leaseOwner: row[19], leaseToken: row[20],
            leaseExpiresAt: (row[21] as Double?).map(Date.init(sqlite:)), cancelRequested: row[22], lastEventSeq: row[23],
            createdAt: Date(sqlite: row[24]), startedAt: (row[25] as Double?).map(Date.init(sqlite:)),
            completedAt: (row[26] as Double?).map(Date.init(sqlite:)), updatedAt: Date(sqlite: row[27]), traceParent: row[28])
    }

    static let agentColumns = """
        id, tenant_id, name, description, kind, model, config, resources, max_concurrency, is_active, version,
        created_at, updated_at, budget_limit
        """

    /// Positional: the order of `agentColumns`.
    static func agent(_ row: Row) -> Agent {
        Agent(
            id: row[0], tenantID: row[1], name: row[2], description: row[3], kind: row[4], model: row[5],
            config: JSONText.decodeOrNull(row[6]) ?? .emptyObject, resources: StorageCoding.resources(row[7]),
            maxConcurrency: row[8], budgetLimit: row[13], isActive: row[9], version: row[10], createdAt: Date(sqlite: row[11]),
            updatedAt: Date(sqlite: row[12]))
    }

    /// Positional: `task_id, seq, type, data, created_at`.
    static func event(_ row: Row) -> TaskEvent {
        TaskEvent(
            taskID: row[0], seq: row[1], type: row[2], data: JSONText.decodeOrNull(row[3]) ?? .null,
            createdAt: Date(sqlite: row[4]))
    }
}
