/// Errors with a meaning a client can act on. The HTTP layer maps each to a status code.
public enum HangarError: Error, Sendable, Equatable {
    /// 404: the resource does not exist (or belongs to another tenant — never said).
    case notFound(resource: String, id: String)
    /// 409: the request conflicts with the resource's current state.
    case conflict(String)
    /// 422: a field is invalid.
    case invalid(field: String, message: String)
    /// The caller's lease on a task is gone: another attempt owns it, or it was finished.
    case leaseLost(taskID: String)
    /// 503: the database cannot be reached.
    case unavailable(String)
}

extension HangarError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notFound(let resource, let id): return "\(resource) '\(id)' not found"
        case .conflict(let message): return message
        case .invalid(let field, let message): return "\(field): \(message)"
        case .leaseLost(let taskID): return "lease on task '\(taskID)' is no longer held"
        case .unavailable(let message): return message
        }
    }
}
