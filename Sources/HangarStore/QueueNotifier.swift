import Synchronization

/// Something happened that a waiting process may care about.
public enum QueueSignal: Sendable, Hashable {
    /// A task became claimable (inserted, retried, rescued, or a slot freed up).
    case taskAvailable
    /// Someone asked to cancel a running task.
    case cancelRequested(taskID: String)
    /// A task's log grew to `seq`.
    case event(taskID: String, seq: Int64)
    /// Webhook deliveries were written to the outbox.
    case webhooksDue
}

extension Array where Element == QueueSignal {
    /// Each signal once, in first-seen order: a signal is a hint to look again, so a batch
    /// that rescued a thousand tasks need wake a waiter once, not a thousand times.
    public func deduplicated() -> [QueueSignal] {
        var seen = Set<QueueSignal>()
        return filter { seen.insert($0).inserted }
    }
}

/// Push wake-ups. PostgreSQL delivers them with LISTEN/NOTIFY across processes; SQLite,
/// which serves one process, with an in-process broadcast.
public protocol QueueNotifier: Sendable {
    /// A new subscription that receives every signal published after this call.
    func subscribe() -> AsyncStream<QueueSignal>
}

/// In-process fan-out of signals to any number of subscribers. Each subscriber's buffer is
/// bounded: a subscriber that stops reading loses old signals, never blocks publishers.
/// (Signals are hints to look at the database, so dropping one is safe.)
public final class SignalBroadcaster: QueueNotifier {
    private let subscribers = Mutex<[Int: AsyncStream<QueueSignal>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)
    private let bufferSize: Int

    public init(bufferSize: Int = 1024) {
        self.bufferSize = bufferSize
    }

    public func subscribe() -> AsyncStream<QueueSignal> {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<QueueSignal>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    public func publish(_ signal: QueueSignal) {
        let targets = subscribers.withLock { Array($0.values) }
        for continuation in targets {
            continuation.yield(signal)
        }
    }

    public func publish(_ signals: [QueueSignal]) {
        guard !signals.isEmpty else { return }
        let targets = subscribers.withLock { Array($0.values) }
        for continuation in targets {
            for signal in signals { continuation.yield(signal) }
        }
    }

    public func finish() {
        let targets = subscribers.withLock { all in
            defer { all.removeAll() }
            return Array(all.values)
        }
        for continuation in targets { continuation.finish() }
    }
}
