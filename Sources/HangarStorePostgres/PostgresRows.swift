import Foundation
import HangarCore
import HangarStore
import PostgresNIO

/// Row ↔ domain mapping. JSON columns are read as text (`::text`) and parsed once here.
enum PostgresRows {
    static func taskColumns(_ alias: String = "") -> String {
        let p = alias.isEmpty ? "" : "\(alias)."
        return """
            \(p)id, \(p)tenant_id, \(p)agent_id, \(p)agent_kind, \(p)status, \(p)priority, \(p)input::text AS input,
            \(p)options::text AS options, \(p)output::text AS output, \(p)error::text AS error, \(p)progress, \(p)attempts,
            \(p)max_attempts, \(p)timeout_seconds, \(p)max_steps, \(p)callback_url, \(p)idempotency_key,
            \(p)usage::text AS usage, \(p)run_at, \(p)lease_owner, \(p)lease_token, \(p)lease_expires_at,
            \(p)cancel_requested, \(p)last_event_seq, \(p)created_at, \(p)started_at, \(p)completed_at, \(p)updated_at,
            \(p)trace_parent
            """
    }

    static func task(_ row: PostgresRow) throws -> TaskRecord {
        let r = row.makeRandomAccess()
        return TaskRecord(
            id: try r["id"].decode(String.self), tenantID: try r["tenant_id"].decode(String.self),
            agentID: try r["agent_id"].decode(String.self), agentKind: try r["agent_kind"].decode(String.self),
            status: TaskStatus(rawValue: try r["status"].decode(String.self)) ?? .failed,
            priority: try r["priority"].decode(Int.self),
            input: JSONText.decodeOrNull(try r["input"].decode(String.self)) ?? .null,
            options: JSONText.decodeOrNull(try r["options"].decode(String.self)) ?? .emptyObject,
            output: JSONText.decodeOrNull(try r["output"].decode(String?.self)),
            error: StorageCoding.failure(try r["error"].decode(String?.self)),
            progress: try r["progress"].decode(Double?.self), attempts: try r["attempts"].decode(Int.self),
            maxAttempts: try r["max_attempts"].decode(Int.self), timeoutSeconds: try r["timeout_seconds"].decode(Double.self),
            maxSteps: try r["max_steps"].decode(Int?.self), callbackURL: try r["callback_url"].decode(String?.self),
            idempotencyKey: try r["idempotency_key"].decode(String?.self),
            usage: JSONText.decodeOrNull(try r["usage"].decode(String?.self)), runAt: try r["run_at"].decode(Date.self),
            leaseOwner: try r["lease_owner"].decode(String?.self), leaseToken: try r["lease_token"].decode(String?.self),
            leaseExpiresAt: try r["lease_expires_at"].decode(Date?.self),
            cancelRequested: try r["cancel_requested"].decode(Bool.self),
            lastEventSeq: try r["last_event_seq"].decode(Int64.self), createdAt: try r["created_at"].decode(Date.self),
            startedAt: try r["started_at"].decode(Date?.self), completedAt: try r["completed_at"].decode(Date?.self),
            updatedAt: try r["updated_at"].decode(Date.self), traceParent: try r["trace_parent"].decode(String?.self))
    }

    static let agentColumns = agentColumns()

    /// The agent's columns; with a `prefix`, each is named `prefix + column`, so that they can
    /// share a row with a task's (`agent(_:prefix:)` reads them back).
    static func agentColumns(_ alias: String = "", prefix: String = "") -> String {
        let p = alias.isEmpty ? "" : "\(alias)."
        return [
            "id", "tenant_id", "name", "description", "kind", "model", "config::text", "resources::text", "max_concurrency",
            "is_active", "version", "created_at", "updated_at", "budget_limit",
        ].map { column in
            let name = column.replacingOccurrences(of: "::text", with: "")
            return "\(p)\(column) AS \(prefix)\(name)"
        }.joined(separator: ", ")
    }

    static func agent(_ row: PostgresRow) throws -> Agent { try agent(row, prefix: "") }

    static func agent(_ row: PostgresRow, prefix p: String) throws -> Agent {
        let r = row.makeRandomAccess()
        return Agent(
            id: try r[p + "id"].decode(String.self), tenantID: try r[p + "tenant_id"].decode(String.self),
            name: try r[p + "name"].decode(String.self), description: try r[p + "description"].decode(String?.self),
            kind: try r[p + "kind"].decode(String.self), model: try r[p + "model"].decode(String?.self),
            config: JSONText.decodeOrNull(try r[p + "config"].decode(String.self)) ?? .emptyObject,
            resources: StorageCoding.resources(try r[p + "resources"].decode(String.self)),
            maxConcurrency: try r[p + "max_concurrency"].decode(Int?.self), budgetLimit: try r[p + "budget_limit"].decode(Double?.self),
            isActive: try r[p + "is_active"].decode(Bool.self),
            version: try r[p + "version"].decode(Int.self), createdAt: try r[p + "created_at"].decode(Date.self),
            updatedAt: try r[p + "updated_at"].decode(Date.self))
    }

    static func event(_ row: PostgresRow) throws -> TaskEvent {
        let r = row.makeRandomAccess()
        return TaskEvent(
            taskID: try r["task_id"].decode(String.self), seq: try r["seq"].decode(Int64.self),
            type: try r["type"].decode(String.self), data: JSONText.decodeOrNull(try r["data"].decode(String.self)) ?? .null,
            createdAt: try r["created_at"].decode(Date.self))
    }
}

extension PostgresRowSequence {
    func all<T>(_ map: (PostgresRow) throws -> T) async throws -> [T] {
        var result: [T] = []
        for try await row in self { result.append(try map(row)) }
        return result
    }

    func first<T>(_ map: (PostgresRow) throws -> T) async throws -> T? {
        var result: T?
        for try await row in self where result == nil { result = try map(row) }
        return result
    }
}
