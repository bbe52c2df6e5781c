import HangarTimers
import Synchronization

/// The sending half both text transports share (a WebSocket, Chromium's DevTools pipe):
/// messages queued in `send` order for the transport's writer task, a closed flag, and a close
/// that lets the queue drain and then waits (at most 2 s) for the writer to end.
final class OutgoingTexts: Sendable {
    /// What the writer task reads; ends when the transport is cancelled or closed.
    let stream: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    private let runner = Mutex<Task<Void, Never>?>(nil)
    private let closed = Mutex(false)

    init() {
        (stream, continuation) = AsyncStream<String>.makeStream()
    }

    /// The task that runs the transport (reads, writes `stream`), awaited by `close`.
    func attach(_ task: Task<Void, Never>) { runner.withLock { $0 = task } }

    /// Queues `text`; false when the transport is closed.
    func send(_ text: String) -> Bool {
        guard !closed.withLock({ $0 }) else { return false }
        if case .terminated = continuation.yield(text) { return false }
        return true
    }

    var isClosed: Bool { closed.withLock { $0 } }

    func markClosed() { closed.withLock { $0 = true } }

    /// Starts closing without waiting (for owners going away in `deinit`).
    func cancel() {
        markClosed()
        continuation.finish()
    }

    /// Sends what is queued, closes, and waits (at most 2 s) for the transport to end.
    func close() async {
        cancel()
        let task = runner.withLock { $0 }
        let guardTimer = Task {
            try? await Timers.sleep(for: .seconds(2))
            task?.cancel()
        }
        await task?.value
        guardTimer.cancel()
    }
}
