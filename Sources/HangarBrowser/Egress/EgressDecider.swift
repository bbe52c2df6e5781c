import HangarCore

/// Where one browser connection may go: connect to exactly these addresses (in order), or
/// refuse with a SOCKS5 reply code.
public enum EgressDecision: Sendable, Equatable {
    case connect(addresses: [String])
    /// `internalAddress`: the destination was inside the network (an SSRF attempt).
    case refuse(reason: String, reply: SOCKS5Reply, internalAddress: Bool)
}

/// Decides each CONNECT the egress proxy receives. The production decider is the network
/// policy (`policy(_:)`); tests inject their own to mark one loopback port as a "public"
/// origin while the policy still judges every other destination.
///
/// `decide` may block (name resolution): the proxy calls it on a thread pool.
public struct EgressDecider: Sendable {
    private let body: @Sendable (_ host: String, _ port: Int) -> EgressDecision

    public init(_ body: @escaping @Sendable (_ host: String, _ port: Int) -> EgressDecision) {
        self.body = body
    }

    public func decide(host: String, port: Int) -> EgressDecision {
        guard (1...65535).contains(port) else {
            return .refuse(reason: "port \(port) is not a destination port", reply: .notAllowed, internalAddress: false)
        }
        return body(host, port)
    }

    /// `network`'s verdict: the name is resolved once, every address is checked, and the
    /// proxy connects only to the addresses checked (so DNS rebinding cannot swap them).
    public static func policy(
        _ network: NetworkPolicy, resolve: @escaping @Sendable (String) -> [String] = NetworkPolicy.resolve
    ) -> EgressDecider {
        EgressDecider { host, _ in
            // Resolve here rather than inside the policy, to tell "no such host" (0x04) apart.
            var resolved: [String]?
            let verdict = network.check(host: host) { name in
                let addresses = resolve(name)
                resolved = addresses
                return addresses
            }
            switch verdict {
            case .allowed(let addresses):
                return .connect(addresses: addresses)
            case .refused(let reason, let internalAddress):
                let unresolved = resolved?.isEmpty == true
                return .refuse(reason: reason, reply: unresolved ? .hostUnreachable : .notAllowed, internalAddress: internalAddress)
            }
        }
    }
}
