import Foundation
public import HangarCore
public import HangarStore
import PostgresNIO

extension PostgresStore {
    public func incidentInsert(_ incident: SecurityIncident) async throws {
        _ = try await query(
            """
            INSERT INTO security_incidents (id, tenant_id, kind, severity, description, agent_id, task_id, actor, details, created_at,
                resolved_at, resolved_by, resolution_notes)
            VALUES (\(incident.id), \(incident.tenantID), \(incident.kind.rawValue), \(incident.severity.rawValue), \(incident.description),
                \(incident.agentID), \(incident.taskID), \(incident.actor), \(JSONText.encode(incident.details))::jsonb, \(incident.createdAt),
                \(incident.resolvedAt), \(incident.resolvedBy), \(incident.resolutionNotes))
            """, logger: logger)
    }

    public func incidentList(_ params: IncidentListParams) async throws -> (incidents: [SecurityIncident], total: Int) {
        let incidents = try await query(
            Self.incidentQuery("\(Self.incidentColumns)", params, tail: "ORDER BY seq DESC LIMIT \(params.limit) OFFSET \(params.offset)"),
            logger: logger
        ).all(Self.incident)
        let total = try await query(Self.incidentQuery("count(*)::bigint", params, tail: ""), logger: logger).first { try $0.decode(Int.self) } ?? 0
        return (incidents, total)
    }

    public func incidentResolve(tenantID: String, id: String, by actor: String, notes: String?) async throws -> SecurityIncident? {
        _ = try await query(
            """
            UPDATE security_incidents SET resolved_at = now(), resolved_by = \(actor), resolution_notes = \(notes)
            WHERE tenant_id = \(tenantID) AND id = \(id) AND resolved_at IS NULL
            """, logger: logger)
        return try await query(
            "SELECT \(unescaped: Self.incidentColumns) FROM security_incidents WHERE tenant_id = \(tenantID) AND id = \(id)", logger: logger
        ).first(Self.incident)
    }

    /// The filter of `incidentList`; `select` and `tail` are Hangar's own SQL, never input.
    private static func incidentQuery(_ select: String, _ p: IncidentListParams, tail: String) -> PostgresQuery {
        let kind = p.kind?.rawValue
        let severity = p.severity?.rawValue
        return """
            SELECT \(unescaped: select) FROM security_incidents
            WHERE tenant_id = \(p.tenantID) AND (\(kind)::text IS NULL OR kind = \(kind)) AND (\(severity)::text IS NULL OR severity = \(severity))
              AND (\(p.agentID)::text IS NULL OR agent_id = \(p.agentID)) AND (\(p.resolved)::boolean IS NULL OR (resolved_at IS NOT NULL) = \(p.resolved))
              AND (\(p.since)::timestamptz IS NULL OR created_at >= \(p.since)) AND (\(p.until)::timestamptz IS NULL OR created_at <= \(p.until))
            \(unescaped: tail)
            """
    }

    static let incidentColumns =
        "id, tenant_id, kind, severity, description, agent_id, task_id, actor, details::text, created_at, resolved_at, resolved_by, resolution_notes"

    static func incident(_ row: PostgresRow) throws -> SecurityIncident {
        let r = row.makeRandomAccess()
        return SecurityIncident(
            id: try r[0].decode(String.self), tenantID: try r[1].decode(String.self),
            kind: SecurityIncident.Kind(rawValue: try r[2].decode(String.self)) ?? .permissionDenied,
            severity: SecurityIncident.Severity(rawValue: try r[3].decode(String.self)) ?? .medium, description: try r[4].decode(String.self),
            agentID: try r[5].decode(String?.self), taskID: try r[6].decode(String?.self), actor: try r[7].decode(String?.self),
            details: JSONText.decodeOrNull(try r[8].decode(String.self)) ?? .emptyObject, createdAt: try r[9].decode(Date.self),
            resolvedAt: try r[10].decode(Date?.self), resolvedBy: try r[11].decode(String?.self), resolutionNotes: try r[12].decode(String?.self))
    }

    public func incidentDeleteOld(before: Date, limit: Int) async throws -> Int {
        try await query(
            """
            WITH gone AS (
                DELETE FROM security_incidents
                WHERE seq IN (SELECT seq FROM security_incidents WHERE created_at < \(before) ORDER BY created_at LIMIT \(limit))
                RETURNING 1
            )
            SELECT count(*)::bigint FROM gone
            """, logger: logger
        ).first { try $0.decode(Int.self) } ?? 0
    }
}
