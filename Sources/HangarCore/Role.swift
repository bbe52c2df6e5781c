/// What a credential may do within its tenant. Each role includes the ones below it:
/// `viewer` reads, `operator` also runs work (agents, tasks), `admin` also manages
/// access (keys, audit; on the default tenant: other tenants too).
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    case viewer
    case `operator`
    case admin

    private var rank: Int {
        switch self {
        case .viewer: return 0
        case .operator: return 1
        case .admin: return 2
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}
