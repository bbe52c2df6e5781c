import Foundation
public import HangarCore

/// Filters for `incidentList`; `nil` fields do not filter.
public struct IncidentListParams: Sendable {
    public var tenantID: String
    public var kind: SecurityIncident.Kind?
    /// Exactly this severity, as the seed's `?severity=high` does.
    public var severity: SecurityIncident.Severity?
    public var agentID: String?
    public var resolved: Bool?
    public var since: Date?
    public var until: Date?
    public var limit: Int
    public var offset: Int

    public init(
        tenantID: String, kind: SecurityIncident.Kind? = nil, severity: SecurityIncident.Severity? = nil, agentID: String? = nil,
        resolved: Bool? = nil, since: Date? = nil, until: Date? = nil, limit: Int = 50, offset: Int = 0
    ) {
        self.tenantID = tenantID
        self.kind = kind
        self.severity = severity
        self.agentID = agentID
        self.resolved = resolved
        self.since = since
        self.until = until
        self.limit = limit
        self.offset = offset
    }
}
