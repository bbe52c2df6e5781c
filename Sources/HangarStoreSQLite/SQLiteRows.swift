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
        lease_token, lease_expires_at, cancel_requested, last_event_seq, created_at, started_at, completed_at, updated_at
        """

    static func task(_ row: Row) -> TaskRecord {
        let errorText: String? = row["error"]
        return TaskRecord(
            id: row["id"], tenantID: row["tenant_id"], agentID: row["agent_id"], agentKind: row["agent_kind"],
            status: TaskStatus(rawValue: row["status"]) ?? .failed, priority: row["priority"],
            input: JSONText.decodeOrNull(row["input"]) ?? .null,
            options: JSONText.decodeOrNull(row["options"]) ?? .emptyObject,
            output: JSONText.decodeOrNull(row["output"]),
            error: StorageCoding.failure(errorText),
            progress: row["progress"], attempts: row["attempts"], maxAttempts: row["max_attempts"],
            timeoutSeconds: row["timeout_seconds"], maxSteps: row["max_steps"], callbackURL: row["callback_url"],
            idempotencyKey: row["idempotency_key"], usage: JSONText.decodeOrNull(row["usage"]),
            runAt: Date(sqlite: row["run_at"]), leaseOwner: row["lease_owner"], leaseToken: row["lease_token"],
            leaseExpiresAt: (row["lease_expires_at"] as Double?).map(Date.init(sqlite:)),
            cancelRequested: row["cancel_requested"], lastEventSeq: row["last_event_seq"],
            createdAt: Date(sqlite: row["created_at"]),
            startedAt: (row["started_at"] as Double?).map(Date.init(sqlite:)),
            completedAt: (row["completed_at"] as Double?).map(Date.init(sqlite:)),
            updatedAt: Date(sqlite: row["updated_at"]))
    }

    static let agentColumns = """
        id, tenant_id, name, description, kind, model, config, resources, max_concurrency, is_active, version,
        created_at, updated_at
        """

    static func agent(_ row: Row) -> Agent {
        return Agent(
            id: row["id"], tenantID: row["tenant_id"], name: row["name"], description: row["description"],
            kind: row["kind"], model: row["model"], config: JSONText.decodeOrNull(row["config"]) ?? .emptyObject,
            resources: StorageCoding.resources(row["resources"]),
            maxConcurrency: row["max_concurrency"], isActive: row["is_active"], version: row["version"],
            createdAt: Date(sqlite: row["created_at"]), updatedAt: Date(sqlite: row["updated_at"]))
    }

    static func event(_ row: Row) -> TaskEvent {
        TaskEvent(
            taskID: row["task_id"], seq: row["seq"], type: row["type"],
            data: JSONText.decodeOrNull(row["data"]) ?? .null, createdAt: Date(sqlite: row["created_at"]))
    }
}
