import HangarAuth
import HangarCore
public import Hummingbird
import NIOCore

/// Per-request state. `principal` is set by authentication; `tenantID` (the tenant every
/// query is scoped to) always equals the principal's tenant.
public struct HangarRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var tenantID: String = Tenant.defaultID
    public var principal: Principal?
    /// The client's socket address; formatted only when asked (for counting failed logins).
    let peer: SocketAddress?
    var remoteAddress: String? { peer?.ipAddress }

    public init(source: Source) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress
    }

    /// The audit log's name for whoever made this request.
    var actor: String { principal?.subject ?? "anonymous" }
}
