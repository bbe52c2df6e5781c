public import Foundation
public import Logging
import Synchronization

/// A blob store whose faults are recorded as episodes: one log line and one `onEpisode(kind,
/// true)` when writes start failing for a reason outside the request (`BlobStoreFault`), one
/// line and `onEpisode(kind, false)` at the first write that succeeds again — not one per
/// failed screenshot or archive.
public final class FaultRecordingBlobStore: BlobStore {
    public let base: any BlobStore
    let logger: Logger
    let onEpisode: @Sendable (_ kind: String, _ active: Bool) -> Void
    private let state = Mutex<(fault: BlobStoreFault, since: ContinuousClock.Instant)?>(nil)

    public init(
        _ base: any BlobStore, logger: Logger = Logger(label: "hangar.blobs"),
        onEpisode: @escaping @Sendable (_ kind: String, _ active: Bool) -> Void = { _, _ in }
    ) {
        self.base = base
        self.logger = logger
        self.onEpisode = onEpisode
    }

    /// The fault of the episode in progress, if any.
    public var current: BlobStoreFault? { state.withLock { $0?.fault } }

    public func put(_ key: String, data: Data, contentType: String) async throws {
        do {
            try await base.put(key, data: data, contentType: contentType)
        } catch let fault as BlobStoreFault {
            record(fault)
            throw fault
        }
        succeeded()
    }

    public func get(_ key: String) async throws -> Data? { try await base.get(key) }
    public func delete(_ key: String) async throws { try await base.delete(key) }
    public func list(prefix: String) async throws -> [BlobInfo] { try await base.list(prefix: prefix) }

    func record(_ fault: BlobStoreFault) {
        let previous = state.withLock { state -> BlobStoreFault? in
            let previous = state?.fault
            state = (fault, state?.since ?? .now)
            return previous
        }
        guard previous?.kind != fault.kind else { return }
        if let previous { onEpisode(previous.kind.rawValue, false) }
        onEpisode(fault.kind.rawValue, true)
        logger.error(
            "blob store fault: screenshots and capture archives are not written until it passes",
            metadata: ["kind": .string(fault.kind.rawValue), "detail": .string(fault.detail)])
    }

    func succeeded() {
        guard let ended = state.withLock({ state -> (fault: BlobStoreFault, since: ContinuousClock.Instant)? in defer { state = nil }; return state })
        else { return }
        onEpisode(ended.fault.kind.rawValue, false)
        logger.notice(
            "blob store fault over: writes succeed again",
            metadata: ["kind": .string(ended.fault.kind.rawValue), "lasted_seconds": .stringConvertible(Int((ContinuousClock.now - ended.since).components.seconds))])
    }
}
