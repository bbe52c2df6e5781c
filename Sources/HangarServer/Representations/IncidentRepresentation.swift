import Foundation
import HangarCore

/// Seed 004's incident shape (`incident_id`, `violation_type`, `timestamp`, `resolved`,
/// `resolution_notes`), plus `id`/`type` as its status summary spells them.
enum IncidentRepresentation {
    static func json(_ incident: SecurityIncident) -> JSONValue {
        [
            "incident_id": .string(incident.id), "id": .string(incident.id), "tenant_id": .string(incident.tenantID),
            "violation_type": .string(incident.kind.rawValue), "type": .string(incident.kind.rawValue),
            "severity": .string(incident.severity.rawValue), "description": .string(incident.description),
            "agent_id": incident.agentID.map(JSONValue.string) ?? .null, "task_id": incident.taskID.map(JSONValue.string) ?? .null,
            "actor": incident.actor.map(JSONValue.string) ?? .null, "details": incident.details,
            "timestamp": .string(Timestamp.format(incident.createdAt)), "resolved": .bool(incident.resolved),
            "resolved_at": incident.resolvedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "resolved_by": incident.resolvedBy.map(JSONValue.string) ?? .null,
            "resolution_notes": incident.resolutionNotes.map(JSONValue.string) ?? .null,
        ]
    }
}
