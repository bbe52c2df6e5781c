import Synchronization

/// How many long-lived connections of one kind (WebSockets, event streams) may be open per
/// caller, per tenant and in all. The tenant cap is what keeps one tenant that mints many keys
/// from taking every connection the server has.
public struct ConnectionLimits: Sendable, Hashable {
    public var perUser: Int
    public var perTenant: Int
    public var total: Int

    public init(perUser: Int, perTenant: Int, total: Int) {
        self.perUser = perUser
        self.perTenant = perTenant
        self.total = total
    }
}

/// Counts open connections per caller, per tenant and in all; one beyond any limit is refused.
/// An admitted connection holds a lease, released when it ends however it ends: explicitly, or
/// when the lease is dropped (a stream whose body never ran, a task cancelled mid-way).
final class ConnectionRegistry: Sendable {
    /// What the refusals call these connections and the settings that limit them.
    struct Naming: Sendable {
        var noun: String
        var perUserSetting: String
        var perTenantSetting: String
        var totalSetting: String
    }

    private struct Counts {
        var total = 0
        var byUser: [String: Int] = [:]
        var byTenant: [String: Int] = [:]
    }

    enum Admission {
        case admitted(ConnectionLease)
        case refused(String)
    }

    let limits: ConnectionLimits
    let naming: Naming
    private let counts = Mutex(Counts())
    /// Told +1 and -1 per endpoint, for a gauge.
    private let observe: @Sendable (_ endpoint: String, _ change: Int) -> Void

    init(limits: ConnectionLimits, naming: Naming, observe: @escaping @Sendable (String, Int) -> Void = { _, _ in }) {
        self.limits = limits
        self.naming = naming
        self.observe = observe
    }

    func admit(user: String, tenant: String, endpoint: String) -> Admission {
        // A tenant cap above the total would never bind; the total does.
        let perTenant = min(limits.perTenant, limits.total)
        let refusal = counts.withLock { counts -> String? in
            if counts.byUser[user, default: 0] >= limits.perUser {
                return "you have \(limits.perUser) \(naming.noun), the per-user limit (\(naming.perUserSetting))"
            }
            if counts.byTenant[tenant, default: 0] >= perTenant {
                return "your tenant has \(perTenant) \(naming.noun), the per-tenant limit (\(naming.perTenantSetting))"
            }
            if counts.total >= limits.total { return "server has \(limits.total) \(naming.noun), its limit (\(naming.totalSetting))" }
            counts.total += 1
            counts.byUser[user, default: 0] += 1
            counts.byTenant[tenant, default: 0] += 1
            return nil
        }
        if let refusal { return .refused(refusal) }
        observe(endpoint, 1)
        return .admitted(ConnectionLease { [self] in self.release(user: user, tenant: tenant, endpoint: endpoint) })
    }

    private func release(user: String, tenant: String, endpoint: String) {
        counts.withLock { counts in
            counts.total -= 1
            counts.byUser[user] = Self.decremented(counts.byUser[user])
            counts.byTenant[tenant] = Self.decremented(counts.byTenant[tenant])
        }
        observe(endpoint, -1)
    }

    /// One less, or no entry at zero, so the maps hold only callers with open connections.
    private static func decremented(_ count: Int?) -> Int? {
        let left = (count ?? 1) - 1
        return left > 0 ? left : nil
    }

    var open: Int { counts.withLock { $0.total } }
}

/// One admitted connection's place in a `ConnectionRegistry`. `release()` gives it back; so does
/// the lease's end, so a path that forgets (or never runs) cannot leak a slot.
final class ConnectionLease: Sendable {
    private let onRelease: Mutex<(@Sendable () -> Void)?>

    init(_ onRelease: @escaping @Sendable () -> Void) {
        self.onRelease = Mutex(onRelease)
    }

    /// Idempotent: only the first call releases.
    func release() {
        let action = onRelease.withLock { action in
            defer { action = nil }
            return action
        }
        action?()
    }

    deinit { release() }
}
