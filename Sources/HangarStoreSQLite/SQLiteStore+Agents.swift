import Foundation
import GRDB
public import HangarCore
public import HangarStore

extension SQLiteStore {
    public func tenantUpsert(id: String, name: String) async throws {
        let now = Date()
        try await write { db, _ in
            try db.execute(
                cached: "INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
                arguments: [id, name, now.sqlite])
        }
    }

    public func agentInsert(_ params: AgentInsertParams) async throws -> Agent {
        let now = Date()
        let agent = Agent(
            id: Identifier.make(now: now), tenantID: params.tenantID, name: params.name, description: params.description,
            kind: params.kind, model: params.model, config: params.config, resources: params.resources,
            maxConcurrency: params.maxConcurrency, budgetLimit: params.budgetLimit, isActive: params.isActive, version: 1, createdAt: now, updatedAt: now)
        try await write { db, _ in
            do {
                try db.execute(
                    cached: """
                        INSERT INTO agents (id, tenant_id, name, description, kind, model, config, resources,
                            max_concurrency, is_active, version, created_at, updated_at, budget_limit)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        agent.id, agent.tenantID, agent.name, agent.description, agent.kind, agent.model,
                        JSONText.encode(agent.config), StorageCoding.text(agent.resources), agent.maxConcurrency,
                        agent.isActive, agent.version, now.sqlite, now.sqlite, agent.budgetLimit,
                    ])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw HangarError.conflict("an agent named '\(agent.name)' already exists")
            }
        }
        return agent
    }

    public func agentGet(tenantID: String, idOrName: String) async throws -> Agent? {
        try await read { db in
            try Row.fetchOne(
                db,
                cached: """
                    SELECT \(SQLiteRows.agentColumns) FROM agents
                    WHERE tenant_id = ? AND (id = ? OR name = ?) AND deleted_at IS NULL
                    ORDER BY id = ? DESC LIMIT 1
                    """,
                arguments: [tenantID, idOrName, idOrName, idOrName]
            ).map(SQLiteRows.agent)
        }
    }

    public func agentList(_ params: AgentListParams) async throws -> [Agent] {
        try await read { db in
            var sql = "SELECT \(SQLiteRows.agentColumns) FROM agents WHERE tenant_id = ? AND deleted_at IS NULL"
            var arguments: StatementArguments = [params.tenantID]
            if let kind = params.kind {
                sql += " AND kind = ?"
                arguments += [kind]
            }
            if params.activeOnly { sql += " AND is_active = 1" }
            sql += " ORDER BY created_at, id LIMIT ? OFFSET ?"
            arguments += [params.limit, params.offset]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(SQLiteRows.agent)
        }
    }

    public func agentUpdate(_ params: AgentUpdateParams) async throws -> Agent {
        let now = Date()
        var agent = params.agent
        agent.updatedAt = now
        let updated = agent
        return try await write { db, signals in
            do {
                try db.execute(
                    cached: """
                        UPDATE agents SET name = ?, description = ?, kind = ?, model = ?, config = ?, resources = ?,
                            max_concurrency = ?, budget_limit = ?, is_active = ?, version = version + 1, updated_at = ?
                        WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL
                        """,
                    arguments: [
                        updated.name, updated.description, updated.kind, updated.model, JSONText.encode(updated.config),
                        StorageCoding.text(updated.resources), updated.maxConcurrency, updated.budgetLimit, updated.isActive, now.sqlite,
                        updated.id, updated.tenantID,
                    ])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw HangarError.conflict("an agent named '\(updated.name)' already exists")
            }
            guard db.changesCount == 1 else { throw HangarError.notFound(resource: "agent", id: updated.id) }
            // Kind follows the agent so that workers filtering by kind see the change.
            try db.execute(
                cached: "UPDATE tasks SET agent_kind = ? WHERE agent_id = ? AND status = 'queued'",
                arguments: [updated.kind, updated.id])
            // A raised concurrency limit may make queued work claimable.
            signals.append(.taskAvailable)
            return try Row.fetchOne(
                db, cached: "SELECT \(SQLiteRows.agentColumns) FROM agents WHERE id = ?", arguments: [updated.id]
            ).map(SQLiteRows.agent)!
        }
    }

    public func agentDelete(tenantID: String, id: String) async throws {
        let now = Date()
        try await write { db, signals in
            try db.execute(
                cached: "UPDATE agents SET deleted_at = ?, is_active = 0 WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL",
                arguments: [now.sqlite, id, tenantID])
            guard db.changesCount == 1 else { throw HangarError.notFound(resource: "agent", id: id) }
            let taskIDs = try String.fetchAll(
                db, cached: "SELECT id FROM tasks WHERE agent_id = ? AND status IN ('queued', 'running')", arguments: [id])
            for taskID in taskIDs {
                _ = try SQLiteStore.cancel(db, taskID: taskID, reason: "agent deleted", now: now, signals: &signals)
            }
        }
    }
}
