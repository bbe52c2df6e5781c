import Synchronization

/// One destination the egress proxy refused.
public struct EgressRefusal: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var reason: String
    public var reply: SOCKS5Reply
    public var internalAddress: Bool
    public var at: ContinuousClock.Instant
}

/// The proxy's most recent refusals, so a failed navigation can say which destination the
/// network policy refused and why (Chromium only reports `ERR_SOCKS_CONNECTION_FAILED`).
final class EgressRefusals: Sendable {
    private static let kept = 64
    private let entries = Mutex<[EgressRefusal]>([])

    func record(_ refusal: EgressRefusal) {
        entries.withLock { entries in
            entries.append(refusal)
            if entries.count > Self.kept { entries.removeFirst(entries.count - Self.kept) }
        }
    }

    /// Refusals recorded at or after `instant`, oldest first.
    func since(_ instant: ContinuousClock.Instant) -> [EgressRefusal] {
        entries.withLock { $0.filter { $0.at >= instant } }
    }
}
