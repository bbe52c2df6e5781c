import Foundation
import HangarRuntime
import HangarStore
import Logging
import Synchronization

/// The storage fault in progress, if any: an episode begins with the first request a fault
/// refuses and ends with the first write that succeeds again (a request's or `/ready`'s probe).
/// One log line and one count per episode, not one per refused request; `/ready` answers 503
/// while it lasts, so a load balancer sends its traffic elsewhere.
final class StorageFaults: Sendable {
    let store: any StoreHealth
    let metrics: HangarMetrics
    let logger: Logger
    private let state = Mutex<(fault: StoreFault, since: ContinuousClock.Instant)?>(nil)
    private let active = Atomic<Bool>(false)

    init(store: any StoreHealth, metrics: HangarMetrics, logger: Logger = Logger(label: "hangar.storage")) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
    }

    /// The fault an error means, if it is one (recorded as the current episode).
    func fault(for error: any Error) -> StoreFault? {
        guard let fault = (error as? StoreFault) ?? store.fault(for: error) else { return nil }
        record(fault)
        return fault
    }

    var current: StoreFault? { active.load(ordering: .acquiring) ? state.withLock { $0?.fault } : nil }

    func record(_ fault: StoreFault) {
        let previous = state.withLock { state -> StoreFault? in
            let previous = state?.fault
            state = (fault, previous == nil ? .now : state!.since)
            return previous
        }
        active.store(true, ordering: .releasing)
        guard previous?.kind != fault.kind else { return }
        if let previous { metrics.storageFault(kind: previous.kind.rawValue, active: false) }
        metrics.storageFault(kind: fault.kind.rawValue, active: true)
        logger.error("storage fault: requests that write are refused until it passes", metadata: ["kind": .string(fault.kind.rawValue), "detail": .string(fault.detail)])
    }

    /// A write succeeded: the episode, if any, is over.
    func writeSucceeded() {
        guard active.load(ordering: .acquiring) else { return }
        guard let ended = state.withLock({ state -> (fault: StoreFault, since: ContinuousClock.Instant)? in defer { state = nil }; return state }) else { return }
        active.store(false, ordering: .releasing)
        metrics.storageFault(kind: ended.fault.kind.rawValue, active: false)
        let lasted = ContinuousClock.now - ended.since
        logger.notice(
            "storage fault over: writes succeed again",
            metadata: ["kind": .string(ended.fault.kind.rawValue), "lasted_seconds": .stringConvertible(Int(lasted.components.seconds))])
    }

    /// During an episode, tries a write: the fault still in force, or nil once it passed.
    func recheck() async -> StoreFault? {
        guard let fault = current else { return nil }
        do {
            try await store.probeWrite()
            writeSucceeded()
            return nil
        } catch {
            return self.fault(for: error) ?? fault
        }
    }
}
