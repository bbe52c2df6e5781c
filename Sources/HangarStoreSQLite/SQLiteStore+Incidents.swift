import Foundation
import GRDB
public import HangarCore
public import HangarStore

extension SQLiteStore {
    public func incidentInsert(_ incident: SecurityIncident) async throws {
        try await write { db, _ in
            try db.execute(
                cached: """
                    INSERT INTO security_incidents (id, tenant_id, kind, severity, description, agent_id, task_id, actor, details, created_at,
                        resolved_at, resolved_by, resolution_notes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    incident.id, incident.tenantID, incident.kind.rawValue, incident.severity.rawValue, incident.description, incident.agentID,
                    incident.taskID, incident.actor, JSONText.encode(incident.details), incident.createdAt.sqlite, incident.resolvedAt?.sqlite,
                    incident.resolvedBy, incident.resolutionNotes,
                ])
        }
    }

    public func incidentList(_ params: IncidentListParams) async throws -> (incidents: [SecurityIncident], total: Int) {
        let resolved: Int? = params.resolved.map { $0 ? 1 : 0 }
        let arguments: StatementArguments = [
            params.tenantID, params.kind?.rawValue, params.kind?.rawValue, params.severity?.rawValue, params.severity?.rawValue,
            params.agentID, params.agentID, resolved, resolved, params.since?.sqlite, params.since?.sqlite, params.until?.sqlite,
            params.until?.sqlite,
        ]
        let filter = """
            WHERE tenant_id = ? AND (? IS NULL OR kind = ?) AND (? IS NULL OR severity = ?) AND (? IS NULL OR agent_id = ?)
              AND (? IS NULL OR (resolved_at IS NOT NULL) = ?) AND (? IS NULL OR created_at >= ?) AND (? IS NULL OR created_at <= ?)
            """
        return try await read { db in
            let rows = try Row.fetchAll(
                db, cached: "SELECT \(Self.incidentColumns) FROM security_incidents \(filter) ORDER BY seq DESC LIMIT ? OFFSET ?",
                arguments: arguments + [params.limit, params.offset])
            let total = try Int.fetchOne(db, cached: "SELECT count(*) FROM security_incidents \(filter)", arguments: arguments) ?? 0
            return (rows.map(Self.incident), total)
        }
    }

    public func incidentResolve(tenantID: String, id: String, by actor: String, notes: String?) async throws -> SecurityIncident? {
        let now = Date()
        return try await write { db, _ in
            try db.execute(
                cached: """
                    UPDATE security_incidents SET resolved_at = ?, resolved_by = ?, resolution_notes = ?
                    WHERE tenant_id = ? AND id = ? AND resolved_at IS NULL
                    """,
                arguments: [now.sqlite, actor, notes, tenantID, id])
            return try Row.fetchOne(
                db, cached: "SELECT \(Self.incidentColumns) FROM security_incidents WHERE tenant_id = ? AND id = ?", arguments: [tenantID, id]
            ).map(Self.incident)
        }
    }

    static let incidentColumns =
        "id, tenant_id, kind, severity, description, agent_id, task_id, actor, details, created_at, resolved_at, resolved_by, resolution_notes"

    static func incident(_ row: Row) -> SecurityIncident {
        SecurityIncident(
            id: row[0], tenantID: row[1], kind: SecurityIncident.Kind(rawValue: row[2]) ?? .permissionDenied,
            severity: SecurityIncident.Severity(rawValue: row[3]) ?? .medium, description: row[4], agentID: row[5], taskID: row[6],
            actor: row[7], details: JSONText.decodeOrNull(row[8]) ?? .emptyObject, createdAt: Date(sqlite: row[9]),
            resolvedAt: (row[10] as Double?).map(Date.init(sqlite:)), resolvedBy: row[11], resolutionNotes: row[12])
    }

    public func incidentDeleteOld(before: Date, limit: Int) async throws -> Int {
        try await write { db, _ in
            try db.execute(
                cached: "DELETE FROM security_incidents WHERE seq IN (SELECT seq FROM security_incidents WHERE created_at < ? ORDER BY created_at LIMIT ?)",
                arguments: [before.sqlite, limit])
            return db.changesCount
        }
    }
}
