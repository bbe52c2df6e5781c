import Foundation
public import HangarCore

/// Security incidents: recorded, listed, resolved, and deleted after retention.
public protocol IncidentStore: Sendable {
    func incidentInsert(_ incident: SecurityIncident) async throws
    /// Newest first, with the number of incidents matching the filter (for paging).
    func incidentList(_ params: IncidentListParams) async throws -> (incidents: [SecurityIncident], total: Int)
    /// Marks the incident resolved; `nil` when the tenant has no such incident.
    /// Resolving twice keeps the first resolution.
    func incidentResolve(tenantID: String, id: String, by actor: String, notes: String?) async throws -> SecurityIncident?
    /// Deletes up to `limit` incidents created before `before` (retention); returns how many.
    func incidentDeleteOld(before: Date, limit: Int) async throws -> Int
}
