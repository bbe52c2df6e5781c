import Foundation
public import HangarStore
import HangarTimers
public import Logging
public import ServiceLifecycle
import Synchronization

/// This process's row in the deployment's process directory (`ProcessStore`): registered at
/// start, heartbeated, removed on a clean shutdown. Each beat also sweeps for processes that
/// died without a word: the queued tasks pinned to them (their browser session's owner) fail
/// with an error naming the session, and long-dead rows are deleted. Every process sweeps;
/// each sweep is idempotent and skips rows another holds.
public final class ProcessDirectory: Service, Sendable {
    public struct Configuration: Sendable {
        /// How often the row is refreshed.
        public var heartbeat: Duration
        /// Silent this long, a process is dead (three missed heartbeats).
        public var ttl: Duration
        /// Silent this long, its row and its sessions' rows are deleted (until then a request for
        /// one of its sessions is told which process held it, rather than "not found").
        public var forgetAfter: Duration

        public init(heartbeat: Duration = .seconds(5), ttl: Duration? = nil, forgetAfter: Duration = .seconds(3600)) {
            self.heartbeat = heartbeat
            self.ttl = ttl ?? heartbeat * 3
            self.forgetAfter = forgetAfter
        }
    }

    /// Names this process in the directory, in session rows and in the claims of its workers.
    public let id: String
    /// `serve` or `worker`.
    public let kind: String
    public let configuration: Configuration
    let store: any ProcessStore
    let logger: Logger
    private let internalURL = Mutex<String?>(nil)

    public init(id: String, kind: String, store: any ProcessStore, configuration: Configuration = Configuration(), logger: Logger) {
        self.id = id
        self.kind = kind
        self.store = store
        self.configuration = configuration
        self.logger = logger
    }

    /// Where other processes reach this one (set once its internal listener is bound); beats at once.
    public func setInternalURL(_ url: String) async {
        internalURL.withLock { $0 = url }
        await beat()
    }

    public var advertisedURL: String? { internalURL.withLock { $0 } }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.beat()
                await self.sweep()
                try? await Timers.sleep(for: self.configuration.heartbeat)
            }
        }
        do {
            try await store.processRemove(id: id)
        } catch {
            logger.warning("process row not removed at shutdown (it expires)", metadata: ["error": "\(error)"])
        }
    }

    func beat() async {
        do {
            try await store.processHeartbeat(ProcessHeartbeatParams(id: id, kind: kind, internalURL: advertisedURL))
        } catch {
            logger.error("process heartbeat failed", metadata: ["error": "\(error)"])
        }
    }

    /// Fails the work pinned to dead processes; forgets long-dead ones.
    public func sweep() async {
        do {
            let expiry = try await store.processExpire(ttl: configuration.ttl, forgetAfter: configuration.forgetAfter)
            if !expiry.failedTasks.isEmpty {
                logger.warning(
                    "failed queued tasks whose browser session's process is gone", metadata: ["count": "\(expiry.failedTasks.count)"])
            }
        } catch {
            logger.error("process directory sweep failed", metadata: ["error": "\(error)"])
        }
    }
}
