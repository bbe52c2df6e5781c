import Foundation
public import HangarCore
public import HangarStore
import PostgresNIO

extension PostgresStore {
    /// A definition joined with one of its versions (`d`, `v`).
    static let workflowColumns = """
        d.id, d.tenant_id, v.name, v.description, v.version, v.steps::text AS steps, v.priority, v.max_execution_time, d.created_at,
        v.created_at AS version_created_at, d.deleted_at
        """

    static func workflow(_ row: PostgresRow) throws -> WorkflowDefinition {
        let r = row.makeRandomAccess()
        return WorkflowDefinition(
            id: try r["id"].decode(String.self), tenantID: try r["tenant_id"].decode(String.self), name: try r["name"].decode(String.self),
            description: try r["description"].decode(String?.self), version: try r["version"].decode(Int.self),
            steps: WorkflowStep.stored(JSONText.decodeOrNull(try r["steps"].decode(String.self))),
            priority: WorkflowPriority(rawValue: try r["priority"].decode(String.self)) ?? .normal,
            maxExecutionTime: try r["max_execution_time"].decode(Int.self), createdAt: try r["created_at"].decode(Date.self),
            updatedAt: try r["version_created_at"].decode(Date.self), deletedAt: try r["deleted_at"].decode(Date?.self))
    }

    func insertWorkflowVersion(_ connection: PostgresConnection, id: String, version: Int, draft: WorkflowDraft) async throws {
        try await connection.query(
            """
            INSERT INTO workflow_versions (workflow_id, version, name, description, steps, priority, max_execution_time, created_at)
            VALUES (\(id), \(version), \(draft.name), \(draft.description), \(JSONText.encode(WorkflowStep.json(draft.steps)))::jsonb,
                \(draft.priority.rawValue), \(draft.maxExecutionTime), now())
            """, logger: logger)
    }

    func fetchWorkflow(_ connection: PostgresConnection, id: String, version: Int) async throws -> WorkflowDefinition? {
        try await connection.query(
            """
            SELECT \(unescaped: Self.workflowColumns) FROM workflow_definitions d JOIN workflow_versions v ON v.workflow_id = d.id
            WHERE d.id = \(id) AND v.version = \(version)
            """, logger: logger
        ).first(Self.workflow)
    }

    public func workflowInsert(_ params: WorkflowWriteParams) async throws -> WorkflowDefinition {
        let id = Identifier.make()
        do {
            return try await transaction { connection, _ in
                try await connection.query(
                    """
                    INSERT INTO workflow_definitions (id, tenant_id, name, latest_version, created_at, updated_at)
                    VALUES (\(id), \(params.tenantID), \(params.draft.name), 1, now(), now())
                    """, logger: self.logger)
                try await self.insertWorkflowVersion(connection, id: id, version: 1, draft: params.draft)
                return try await self.fetchWorkflow(connection, id: id, version: 1)!
            }
        } catch where Self.isUniqueViolation(error) {
            throw HangarError.conflict("a workflow named '\(params.draft.name)' already exists")
        }
    }

    public func workflowGet(tenantID: String, idOrName: String) async throws -> WorkflowDefinition? {
        try await query(
            """
            SELECT \(unescaped: Self.workflowColumns) FROM workflow_definitions d
            JOIN workflow_versions v ON v.workflow_id = d.id AND v.version = d.latest_version
            WHERE d.tenant_id = \(tenantID) AND (d.id = \(idOrName) OR d.name = \(idOrName)) AND d.deleted_at IS NULL
            ORDER BY d.id = \(idOrName) DESC LIMIT 1
            """, logger: logger
        ).first(Self.workflow)
    }

    public func workflowList(_ params: WorkflowListParams) async throws -> [WorkflowDefinition] {
        try await query(
            """
            SELECT \(unescaped: Self.workflowColumns) FROM workflow_definitions d
            JOIN workflow_versions v ON v.workflow_id = d.id AND v.version = d.latest_version
            WHERE d.tenant_id = \(params.tenantID) AND d.deleted_at IS NULL
              AND (\(params.nameContains)::text IS NULL OR strpos(lower(d.name), lower(\(params.nameContains)::text)) > 0)
            ORDER BY d.created_at, d.id LIMIT \(params.limit) OFFSET \(params.offset)
            """, logger: logger
        ).all(Self.workflow)
    }

    public func workflowUpdate(id: String, _ params: WorkflowWriteParams) async throws -> WorkflowDefinition {
        do {
            return try await transaction { connection, _ in
                // The row lock taken here orders concurrent updates: each gets the next version.
                guard
                    let version = try await connection.query(
                        """
                        UPDATE workflow_definitions SET name = \(params.draft.name), latest_version = latest_version + 1, updated_at = now()
                        WHERE id = \(id) AND tenant_id = \(params.tenantID) AND deleted_at IS NULL
                        RETURNING latest_version
                        """, logger: self.logger
                    ).first({ try $0.decode(Int.self) })
                else { throw HangarError.notFound(resource: "workflow", id: id) }
                try await self.insertWorkflowVersion(connection, id: id, version: version, draft: params.draft)
                return try await self.fetchWorkflow(connection, id: id, version: version)!
            }
        } catch where Self.isUniqueViolation(error) {
            throw HangarError.conflict("a workflow named '\(params.draft.name)' already exists")
        }
    }

    public func workflowDelete(tenantID: String, id: String) async throws -> Bool {
        try await query(
            """
            UPDATE workflow_definitions SET deleted_at = now()
            WHERE id = \(id) AND tenant_id = \(tenantID) AND deleted_at IS NULL RETURNING id
            """, logger: logger
        ).first { try $0.decode(String.self) } != nil
    }

    public func workflowVersionGet(tenantID: String, workflowID: String, version: Int) async throws -> WorkflowDefinition? {
        try await query(
            """
            SELECT \(unescaped: Self.workflowColumns) FROM workflow_definitions d JOIN workflow_versions v ON v.workflow_id = d.id
            WHERE d.tenant_id = \(tenantID) AND d.id = \(workflowID) AND v.version = \(version)
            """, logger: logger
        ).first(Self.workflow)
    }
}
