

/// A storage problem that is not the caller's fault and passes by itself or with an operator's
/// help: a full disk, a read-only filesystem, a database locked by another process, a database
/// server that cannot be reached. The API answers it with 507/503 and `Retry-After` (never a
/// bare 500), and `/api/v1/ready` reports it while it lasts.
public struct StoreFault: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case diskFull = "disk_full"
        case readOnly = "read_only"
        case locked
        case unreachable
        case ioError = "io_error"
    }

    public var kind: Kind
    /// What happened and where, for the response's `detail` and the log.
    public var detail: String
    /// When a client may sensibly try again.
    public var retryAfterSeconds: Int

    public init(kind: Kind, detail: String, retryAfterSeconds: Int) {
        self.kind = kind
        self.detail = detail
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { detail }
}

/// How a backend tells its storage faults from other errors, and whether writes work again.
public protocol StoreHealth: Sendable {
    /// The fault an error of this backend means, or nil when it is not a storage fault.
    func fault(for error: any Error) -> StoreFault?
    /// A small write that needs what failed (disk space, a writable file, the server): it
    /// succeeds only once writes can succeed again.
    func probeWrite() async throws
}
