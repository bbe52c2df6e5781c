import HangarAuth
import HangarCore
public import Hummingbird
public import HummingbirdWebSocket
import NIOCore

/// Per-request state. `principal` is set by authentication; `tenantID` (the tenant every
/// query is scoped to) always equals the principal's tenant.
public struct HangarRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var tenantID: String = Tenant.defaultID
    public var principal: Principal?
    /// The client's address, when the connection has one (for counting failed logins).
    public let remoteAddress: String?
    /// Set when a WebSocket route accepts the upgrade.
    public let webSocket = WebSocketHandlerReference<HangarRequestContext>()

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The audit log's name for whoever made this request.
    var actor: String { principal?.subject ?? "anonymous" }
}
