import Foundation
import GRDB
public import HangarCore
public import HangarStore

extension SQLiteStore {
    /// A definition joined with one of its versions (`d`, `v`).
    static let workflowColumns = """
        d.id, d.tenant_id, v.name, v.description, v.version, v.steps, v.priority, v.max_execution_time, d.created_at, v.created_at,
        d.deleted_at
        """

    static func workflow(_ row: Row) -> WorkflowDefinition {
        WorkflowDefinition(
            id: row[0], tenantID: row[1], name: row[2], description: row[3], version: row[4],
            steps: WorkflowStep.stored(JSONText.decodeOrNull(row[5])), priority: WorkflowPriority(rawValue: row[6]) ?? .normal,
            maxExecutionTime: row[7], createdAt: Date(sqlite: row[8]), updatedAt: Date(sqlite: row[9]),
            deletedAt: (row[10] as Double?).map(Date.init(sqlite:)))
    }

    static func insertWorkflowVersion(_ db: Database, id: String, version: Int, draft: WorkflowDraft, now: Date) throws {
        try db.execute(
            cached: """
                INSERT INTO workflow_versions (workflow_id, version, name, description, steps, priority, max_execution_time, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, version, draft.name, draft.description, JSONText.encode(WorkflowStep.json(draft.steps)), draft.priority.rawValue,
                draft.maxExecutionTime, now.sqlite,
            ])
    }

    static func fetchWorkflow(_ db: Database, id: String, version: Int) throws -> WorkflowDefinition? {
        try Row.fetchOne(
            db,
            cached: """
                SELECT \(workflowColumns) FROM workflow_definitions d JOIN workflow_versions v ON v.workflow_id = d.id
                WHERE d.id = ? AND v.version = ?
                """,
            arguments: [id, version]
        ).map(workflow)
    }

    public func workflowInsert(_ params: WorkflowWriteParams) async throws -> WorkflowDefinition {
        let now = Date()
        let id = Identifier.make(now: now)
        return try await write { db, _ in
            do {
                try db.execute(
                    cached: """
                        INSERT INTO workflow_definitions (id, tenant_id, name, latest_version, created_at, updated_at)
                        VALUES (?, ?, ?, 1, ?, ?)
                        """,
                    arguments: [id, params.tenantID, params.draft.name, now.sqlite, now.sqlite])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw HangarError.conflict("a workflow named '\(params.draft.name)' already exists")
            }
            try Self.insertWorkflowVersion(db, id: id, version: 1, draft: params.draft, now: now)
            return try Self.fetchWorkflow(db, id: id, version: 1)!
        }
    }

    public func workflowGet(tenantID: String, idOrName: String) async throws -> WorkflowDefinition? {
        try await read { db in
            try Row.fetchOne(
                db,
                cached: """
                    SELECT \(Self.workflowColumns) FROM workflow_definitions d
                    JOIN workflow_versions v ON v.workflow_id = d.id AND v.version = d.latest_version
                    WHERE d.tenant_id = ? AND (d.id = ? OR d.name = ?) AND d.deleted_at IS NULL
                    ORDER BY d.id = ? DESC LIMIT 1
                    """,
                arguments: [tenantID, idOrName, idOrName, idOrName]
            ).map(Self.workflow)
        }
    }

    public func workflowList(_ params: WorkflowListParams) async throws -> [WorkflowDefinition] {
        try await read { db in
            var sql = """
                SELECT \(Self.workflowColumns) FROM workflow_definitions d
                JOIN workflow_versions v ON v.workflow_id = d.id AND v.version = d.latest_version
                WHERE d.tenant_id = ? AND d.deleted_at IS NULL
                """
            var arguments: StatementArguments = [params.tenantID]
            if let text = params.nameContains {
                sql += " AND instr(lower(d.name), lower(?)) > 0"
                arguments += [text]
            }
            sql += " ORDER BY d.created_at, d.id LIMIT ? OFFSET ?"
            arguments += [params.limit, params.offset]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.workflow)
        }
    }

    public func workflowUpdate(id: String, _ params: WorkflowWriteParams) async throws -> WorkflowDefinition {
        let now = Date()
        return try await write { db, _ in
            do {
                try db.execute(
                    cached: """
                        UPDATE workflow_definitions SET name = ?, latest_version = latest_version + 1, updated_at = ?
                        WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL
                        """,
                    arguments: [params.draft.name, now.sqlite, id, params.tenantID])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw HangarError.conflict("a workflow named '\(params.draft.name)' already exists")
            }
            guard db.changesCount == 1 else { throw HangarError.notFound(resource: "workflow", id: id) }
            let version = try Int.fetchOne(db, cached: "SELECT latest_version FROM workflow_definitions WHERE id = ?", arguments: [id])!
            try Self.insertWorkflowVersion(db, id: id, version: version, draft: params.draft, now: now)
            return try Self.fetchWorkflow(db, id: id, version: version)!
        }
    }

    public func workflowDelete(tenantID: String, id: String) async throws -> Bool {
        let now = Date()
        return try await write { db, _ in
            try db.execute(
                cached: "UPDATE workflow_definitions SET deleted_at = ? WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL",
                arguments: [now.sqlite, id, tenantID])
            return db.changesCount == 1
        }
    }

    public func workflowVersionGet(tenantID: String, workflowID: String, version: Int) async throws -> WorkflowDefinition? {
        try await read { db in
            try Row.fetchOne(
                db,
                cached: """
                    SELECT \(Self.workflowColumns) FROM workflow_definitions d JOIN workflow_versions v ON v.workflow_id = d.id
                    WHERE d.tenant_id = ? AND d.id = ? AND v.version = ?
                    """,
                arguments: [tenantID, workflowID, version]
            ).map(Self.workflow)
        }
    }
}
