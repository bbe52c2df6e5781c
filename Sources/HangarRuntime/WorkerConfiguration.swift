import Foundation
public import HangarCore

public struct WorkerConfiguration: Sendable {
    /// Names this worker in leases and events. Unique per process.
    public var workerID: String
    /// Attempts run at once by this pool.
    public var concurrency: Int
    /// How long a claim stays valid without a heartbeat.
    public var leaseDuration: Duration
    /// How often held leases are renewed (a third of the lease by default).
    public var heartbeatInterval: Duration
    /// Safety-net poll while idle; wake-ups normally arrive by notification.
    public var idlePollInterval: Duration
    /// Most tasks taken in one claim.
    public var claimBatch: Int
    /// Free cpu/memory/gpu of this worker, or `nil` to ignore agents' resource requests.
    public var capacity: Resources?
    public var retry: Backoff
    /// On shutdown, how long running attempts may finish before they are stopped and requeued.
    public var shutdownGrace: Duration

    public init(
        workerID: String = WorkerConfiguration.defaultWorkerID(), concurrency: Int = 16, leaseDuration: Duration = .seconds(30),
        heartbeatInterval: Duration? = nil, idlePollInterval: Duration = .seconds(5), claimBatch: Int = 32,
        capacity: Resources? = nil, retry: Backoff = .taskRetries, shutdownGrace: Duration = .seconds(10)
    ) {
        self.workerID = workerID
        self.concurrency = max(1, concurrency)
        self.leaseDuration = leaseDuration
        self.heartbeatInterval = heartbeatInterval ?? leaseDuration / 3
        self.idlePollInterval = idlePollInterval
        self.claimBatch = max(1, claimBatch)
        self.capacity = capacity
        self.retry = retry
        self.shutdownGrace = shutdownGrace
    }

    public static func defaultWorkerID() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let suffix = Identifier.leaseToken().prefix(6)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
    }
}
