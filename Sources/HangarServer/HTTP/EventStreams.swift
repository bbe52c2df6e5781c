import HangarRuntime
import Hummingbird

extension ConnectionLimits {
    /// Server-sent event streams' defaults: the WebSocket limits' numbers.
    public static let eventStreamDefaults = ConnectionLimits(perUser: 50, perTenant: 100, total: 200)
}

/// The count of open server-sent event streams (`/api/v1/tasks/{id}/events` as
/// `text/event-stream`, `/api/v1/logs/stream/{task_id}`), shared by their routes. A stream holds
/// its response open for as long as the task runs, so like a WebSocket it is capped per caller,
/// per tenant and in all.
struct EventStreams: Sendable {
    let registry: ConnectionRegistry

    init(limits: ConnectionLimits, metrics: HangarMetrics) {
        registry = ConnectionRegistry(
            limits: limits,
            naming: .init(
                noun: "event streams open", perUserSetting: "HANGAR_SSE_MAX_PER_USER", perTenantSetting: "HANGAR_SSE_MAX_PER_TENANT",
                totalSetting: "HANGAR_SSE_MAX_TOTAL"),
            observe: { endpoint, change in metrics.eventStreams(endpoint: endpoint, change: change) })
    }

    /// A lease for one more stream of this caller, or 429 naming the limit. The stream's body
    /// releases it when it ends; dropping the response unsent releases it too.
    func admit(_ context: HangarRequestContext, endpoint: String) throws -> ConnectionLease {
        switch registry.admit(user: context.actor, tenant: context.tenantID, endpoint: endpoint) {
        case .admitted(let lease): return lease
        case .refused(let reason): throw APIError(.tooManyRequests, "too many event streams: \(reason)")
        }
    }
}
