import Foundation
public import HangarCore
public import HangarStore
import PostgresNIO

extension PostgresStore {
    public func tenantUpsert(id: String, name: String) async throws {
        _ = try await query(
            "INSERT INTO tenants (id, name) VALUES (\(id), \(name)) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            logger: logger)
    }

    public func agentInsert(_ params: AgentInsertParams) async throws -> Agent {
        let id = Identifier.make()
        do {
            return try await transaction { connection, _ in
                try await connection.query(
                    """
                    INSERT INTO agents (id, tenant_id, name, description, kind, model, config, resources, max_concurrency,
                        budget_limit, is_active, version, created_at, updated_at)
                    VALUES (\(id), \(params.tenantID), \(params.name), \(params.description), \(params.kind), \(params.model),
                        \(JSONText.encode(params.config))::jsonb, \(StorageCoding.text(params.resources))::jsonb,
                        \(params.maxConcurrency), \(params.budgetLimit), \(params.isActive), 1, now(), now())
                    RETURNING \(unescaped: PostgresRows.agentColumns)
                    """, logger: self.logger
                ).first(PostgresRows.agent)!
            }
        } catch where Self.isUniqueViolation(error) {
            throw HangarError.conflict("an agent named '\(params.name)' already exists")
        }
    }

    public func agentGet(tenantID: String, idOrName: String) async throws -> Agent? {
        try await prepared(
            """
            SELECT \(unescaped: PostgresRows.agentColumns) FROM agents
            WHERE tenant_id = \(tenantID) AND (id = \(idOrName) OR name = \(idOrName)) AND deleted_at IS NULL
            ORDER BY id = \(idOrName) DESC LIMIT 1
            """, as: Shapes.AgentGet.self
        ).first.map(PostgresRows.agent)
    }

    public func agentList(_ params: AgentListParams) async throws -> [Agent] {
        try await query(
            """
            SELECT \(unescaped: PostgresRows.agentColumns) FROM agents
            WHERE tenant_id = \(params.tenantID) AND deleted_at IS NULL
              AND (\(params.kind)::text IS NULL OR kind = \(params.kind))
              AND (NOT \(params.activeOnly) OR is_active)
            ORDER BY created_at, id LIMIT \(params.limit) OFFSET \(params.offset)
            """, logger: logger
        ).all(PostgresRows.agent)
    }

    public func agentUpdate(_ params: AgentUpdateParams) async throws -> Agent {
        let agent = params.agent
        do {
            return try await transaction { connection, signals in
                guard
                    let updated = try await connection.query(
                        """
                        UPDATE agents SET name = \(agent.name), description = \(agent.description), kind = \(agent.kind),
                            model = \(agent.model), config = \(JSONText.encode(agent.config))::jsonb,
                            resources = \(StorageCoding.text(agent.resources))::jsonb,
                            max_concurrency = \(agent.maxConcurrency), budget_limit = \(agent.budgetLimit), is_active = \(agent.isActive),
                            version = version + 1, updated_at = now()
                        WHERE id = \(agent.id) AND tenant_id = \(agent.tenantID) AND deleted_at IS NULL
                        RETURNING \(unescaped: PostgresRows.agentColumns)
                        """, logger: self.logger
                    ).first(PostgresRows.agent)
                else { throw HangarError.notFound(resource: "agent", id: agent.id) }
                try await connection.query(
                    "UPDATE tasks SET agent_kind = \(agent.kind) WHERE agent_id = \(agent.id) AND status = 'queued'",
                    logger: self.logger)
                signals.append(.taskAvailable)
                return updated
            }
        } catch where Self.isUniqueViolation(error) {
            throw HangarError.conflict("an agent named '\(agent.name)' already exists")
        }
    }

    public func agentDelete(tenantID: String, id: String) async throws {
        try await transaction { connection, signals in
            let deleted = try await connection.query(
                """
                UPDATE agents SET deleted_at = now(), is_active = false
                WHERE id = \(id) AND tenant_id = \(tenantID) AND deleted_at IS NULL RETURNING id
                """, logger: self.logger
            ).first { try $0.decode(String.self) }
            guard deleted != nil else { throw HangarError.notFound(resource: "agent", id: id) }
            let taskIDs = try await connection.query(
                "SELECT id FROM tasks WHERE agent_id = \(id) AND status IN ('queued', 'running') FOR UPDATE", logger: self.logger
            ).all { try $0.decode(String.self) }
            for taskID in taskIDs {
                _ = try await self.cancel(connection, taskID: taskID, reason: "agent deleted", signals: &signals)
            }
        }
    }
}
