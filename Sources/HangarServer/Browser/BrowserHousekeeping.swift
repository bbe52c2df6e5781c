import HangarBrowser
import HangarCapture
import HangarStore
import HangarTimers
public import ServiceLifecycle

/// Closes persistent sessions idle past their timeout, and at shutdown closes every browser
/// and finishes the episodes still recording (as the original capture does on exit).
public struct BrowserHousekeeping: Service {
    let sessions: BrowserSessionRegistry?
    let capture: CaptureManager?
    let interval: Duration
    /// Where closed sessions are forgotten (a shared database's session owners).
    let directory: SessionDirectory?

    public init(sessions: BrowserSessionRegistry?, capture: CaptureManager?, interval: Duration = .seconds(15), directory: SessionDirectory? = nil) {
        self.sessions = sessions
        self.capture = capture
        self.interval = interval
        self.directory = directory
    }

    public init(_ services: BrowserServices, interval: Duration = .seconds(15)) {
        self.init(sessions: services.sessions, capture: services.capture, interval: interval, directory: services.directory)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Timers.sleep(for: interval)
                for id in await sessions?.sweep() ?? [] {
                    try? await directory?.store.sessionRemove(id: id)
                }
            }
        }
        await sessions?.closeAll()
        await capture?.shutdown()
    }
}
