import HangarBrowser
import HangarCapture
import HangarTimers
public import ServiceLifecycle

/// Closes persistent sessions idle past their timeout, and at shutdown closes every browser
/// and finishes the episodes still recording (as the original capture does on exit).
public struct BrowserHousekeeping: Service {
    let sessions: BrowserSessionRegistry?
    let capture: CaptureManager?
    let interval: Duration

    public init(sessions: BrowserSessionRegistry?, capture: CaptureManager?, interval: Duration = .seconds(15)) {
        self.sessions = sessions
        self.capture = capture
        self.interval = interval
    }

    public init(_ services: BrowserServices, interval: Duration = .seconds(15)) {
        self.init(sessions: services.sessions, capture: services.capture, interval: interval)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Timers.sleep(for: interval)
                await sessions?.sweep()
            }
        }
        await sessions?.closeAll()
        await capture?.shutdown()
    }
}
