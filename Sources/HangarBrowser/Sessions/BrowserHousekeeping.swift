public import HangarCapture
import HangarTimers
public import ServiceLifecycle

/// Closes persistent sessions idle past their timeout, and at shutdown closes every browser
/// and finishes the episodes still recording (as the original capture does on exit).
public struct BrowserHousekeeping: Service {
    let sessions: BrowserSessionRegistry?
    let capture: CaptureManager?
    let interval: Duration
    /// Told each session it closed (a shared database's session directory forgets its owner).
    let closed: (@Sendable (String) async -> Void)?

    public init(
        sessions: BrowserSessionRegistry?, capture: CaptureManager?, interval: Duration = .seconds(15), closed: (@Sendable (String) async -> Void)? = nil
    ) {
        self.sessions = sessions
        self.capture = capture
        self.interval = interval
        self.closed = closed
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Timers.sleep(for: interval)
                for id in await sessions?.sweep() ?? [] {
                    await closed?(id)
                }
            }
        }
        await sessions?.closeAll()
        await capture?.shutdown()
    }
}
