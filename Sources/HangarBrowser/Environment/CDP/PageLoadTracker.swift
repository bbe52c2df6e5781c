import HangarCore
import HangarTimers
import Synchronization

/// Counts the main frame's navigations and loads from the page's events so an action can
/// tell whether it started a navigation and wait for that navigation to finish. Counters,
/// not flags: a load that fires before anyone waits is not lost.
final class PageLoadTracker: Sendable {
    struct Snapshot: Sendable {
        var navigations: Int
        var loads: Int
    }

    private struct Waiter {
        var loadsAbove: Int
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var mainFrameId: String?
        var navigations = 0
        var loads = 0
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
        /// Waits that timed out or were cancelled before they registered.
        var expired: Set<Int> = []
    }

    private let state = Mutex(State())

    func setMainFrame(_ id: String?) { state.withLock { $0.mainFrameId = id } }

    var snapshot: Snapshot { state.withLock { Snapshot(navigations: $0.navigations, loads: $0.loads) } }

    func record(_ event: CDPEvent) {
        let frameId = event.params["frameId"]?.stringValue
        let ready = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            let isMainFrame = frameId == nil || state.mainFrameId == nil || frameId == state.mainFrameId
            switch event.method {
            case "Page.frameRequestedNavigation", "Page.frameStartedNavigating", "Page.frameStartedLoading":
                if isMainFrame { state.navigations += 1 }
                return []
            case "Page.loadEventFired":
                state.loads += 1
            case "Page.frameStoppedLoading":
                // Ends navigations that never fire `load` (204s, downloads, errors).
                guard isMainFrame else { return [] }
                state.loads += 1
            default:
                return []
            }
            let loads = state.loads
            let due = state.waiters.filter { $0.value.loadsAbove < loads }
            for key in due.keys { state.waiters.removeValue(forKey: key) }
            return due.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    /// Waits until the load count exceeds `loads`; false on timeout or cancellation.
    func waitForLoad(above loads: Int, timeout: Duration) async -> Bool {
        let key = state.withLock { state -> Int in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        let timer = Task {
            guard (try? await Timers.sleep(for: timeout)) != nil else { return }
            self.resume(key, with: false)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state -> Bool in
                    if state.loads > loads { return true }
                    if state.expired.remove(key) != nil { return true }
                    state.waiters[key] = Waiter(loadsAbove: loads, continuation: continuation)
                    return false
                }
                if done { continuation.resume(returning: state.withLock { $0.loads > loads }) }
            }
        } onCancel: {
            resume(key, with: false)
        }
    }

    /// Wakes everyone (the page went away).
    func cancelAll() {
        let waiters = state.withLock { state -> [Waiter] in
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.continuation.resume(returning: false) }
    }

    private func resume(_ key: Int, with value: Bool) {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiters.removeValue(forKey: key) else {
                state.expired.insert(key)
                return nil
            }
            return waiter
        }
        waiter?.continuation.resume(returning: value)
    }
}
