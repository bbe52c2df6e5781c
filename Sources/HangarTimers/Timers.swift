import NIOCore
import NIOPosix
import Synchronization

/// Timers that give their memory back the moment they are cancelled.
///
/// Why not `Task.sleep`: on Linux (Swift 6.3, swiftlang/swift#60441) a `Task.sleep` cancelled
/// before its deadline keeps about 900 bytes until the deadline passes and about 300 bytes for
/// the life of the process. Hangar cancels a timer for nearly every task it runs (the attempt's
/// timeout, each database call's deadline, the idle wait the next claim cuts short), so those
/// bytes add up to a leak linear in tasks executed. These timers are scheduled on NIO's shared
/// event loops, whose cancellation removes the entry at once. Library code uses them for every
/// sleep; `scripts/check-sleeps` keeps it that way.
public enum Timers {
    /// Runs `action` once `delay` has passed, unless the returned timer is cancelled first.
    /// `action` runs on an event loop thread: keep it short (resume a continuation, cancel a task).
    @discardableResult
    public static func after(_ delay: Duration, _ action: @escaping @Sendable () -> Void) -> PendingTimer {
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        return PendingTimer(scheduled: loop.scheduleTask(in: TimeAmount(clamping: delay)) { action() })
    }

    /// Suspends for `delay`; throws `CancellationError` as soon as the calling task is cancelled.
    public static func sleep(for delay: Duration) async throws {
        let sleeper = Sleeper()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                sleeper.start(continuation, delay: delay)
            }
        } onCancel: {
            sleeper.cancel()
        }
    }

    /// Suspends until `deadline`; throws `CancellationError` as soon as the calling task is cancelled.
    public static func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await sleep(for: deadline - .now)
    }
}

/// A scheduled action; `cancel()` drops it (and what it captured) at once.
public struct PendingTimer: Sendable {
    let scheduled: Scheduled<Void>

    public func cancel() { scheduled.cancel() }
}

/// One sleep's state: started, cancelled before it started, or over.
private final class Sleeper: Sendable {
    private enum Phase {
        case idle
        case sleeping(CheckedContinuation<Void, any Error>, PendingTimer)
        case cancelled
        case over
    }

    private let phase = Mutex<Phase>(.idle)

    func start(_ continuation: CheckedContinuation<Void, any Error>, delay: Duration) {
        let cancelledFirst = phase.withLock { phase -> Bool in
            guard case .idle = phase else { return true }
            // Scheduled under the lock so `wake` and `cancel` always find the sleeping phase.
            phase = .sleeping(continuation, Timers.after(delay) { self.wake() })
            return false
        }
        if cancelledFirst { continuation.resume(throwing: CancellationError()) }
    }

    func cancel() {
        let sleeping = phase.withLock { phase -> (CheckedContinuation<Void, any Error>, PendingTimer)? in
            switch phase {
            case .idle:
                phase = .cancelled
                return nil
            case .sleeping(let continuation, let timer):
                phase = .over
                return (continuation, timer)
            case .cancelled, .over:
                return nil
            }
        }
        guard let (continuation, timer) = sleeping else { return }
        timer.cancel()
        continuation.resume(throwing: CancellationError())
    }

    private func wake() {
        let continuation = phase.withLock { phase -> CheckedContinuation<Void, any Error>? in
            guard case .sleeping(let continuation, _) = phase else { return nil }
            phase = .over
            return continuation
        }
        continuation?.resume()
    }
}

extension TimeAmount {
    /// `delay` in nanoseconds, negative delays as zero, and at most about 292 years.
    init(clamping delay: Duration) {
        let (seconds, attoseconds) = delay.components
        guard seconds >= 0 else {
            self = .zero
            return
        }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self = overflow ? .nanoseconds(.max) : .nanoseconds(whole.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue)
    }
}
