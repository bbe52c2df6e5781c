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
    /// The socket peer: the client itself, or the last proxy in front of it.
    let peer: SocketAddress?
    /// The client's address: the socket peer's, or what trusted proxies forwarded
    /// (`ClientAddressMiddleware`). Named in audit entries, incidents and request logs.
    var clientAddress: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress
        clientAddress = peer?.ipAddress
    }

    /// The audit log's name for whoever made this request.
    var actor: String { principal?.subject ?? "anonymous" }

    /// Whose rate-limit bucket a caller draws from: the credential, or for an anonymous
    /// caller its address, so that one client cannot drain every anonymous caller's bucket.
    var rateLimitOwner: String { principal?.subject ?? "client:\(clientAddress ?? "unknown")" }
}
