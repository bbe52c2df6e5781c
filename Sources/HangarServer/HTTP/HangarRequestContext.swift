import HangarCore
public import Hummingbird

/// Per-request state. `tenantID` is the tenant every query is scoped to; until
/// authentication resolves it from a credential, every request belongs to the default one.
public struct HangarRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var tenantID: String = Tenant.defaultID

    public init(source: Source) {
        coreContext = .init(source: source)
    }
}
