import Foundation
import HangarTimers

/// Audio out: listeners, their positions, and waiting for more.
extension SpeechStream {
    /// What a listener may do next.
    public struct Availability: Sendable, Equatable {
        /// Frames ready for this listener.
        public var available: Int
        /// Segments are queued or being synthesised.
        public var producing: Bool
        /// No audio will ever follow what is held.
        public var finished: Bool
    }

    /// Registers a listener starting at frame `start` (default: the oldest frame held);
    /// returns its id and actual start.
    public func attach(from start: Int?) -> (id: UUID, start: Int) {
        let id = UUID()
        let first = max(start ?? frames.base, frames.base)
        readers[id] = first
        lastActivity = .now
        return (id, first)
    }

    /// Where a listener asking for `start` (or for the oldest frame held, when nil) would begin.
    public func firstFrame(from start: Int?) -> Int {
        max(start ?? frames.base, frames.base)
    }

    public func detach(_ reader: UUID) {
        readers.removeValue(forKey: reader)
        lastActivity = .now
        pump()
    }

    public func availability(_ reader: UUID) -> Availability {
        let cursor = max(readers[reader] ?? frames.end, frames.base)
        return Availability(available: max(0, frames.end - cursor), producing: producing, finished: state.isFinal)
    }

    /// Up to `count` frames for `reader`, advancing it; empty when none are ready.
    public func take(_ reader: UUID, count: Int) -> (first: Int, samples: [Int16]) {
        guard let cursor = readers[reader] else { return (frames.end, []) }
        let chunk = frames.frames(from: cursor, count: count)
        readers[reader] = chunk.first + chunk.samples.count / frames.samplesPerFrame
        lastActivity = .now
        if !chunk.samples.isEmpty { pump() }
        return chunk
    }

    public func reportUnderrun() {
        underruns += 1
    }

    /// The change counter: pass it to `waitForChange` to sleep until it moves.
    public var changeVersion: Int { version }

    /// Returns when frames are added, the state changes or the stream is interrupted after
    /// `seen`; at once if that already happened or the task is cancelled.
    public func waitForChange(since seen: Int) async {
        guard version == seen, !Task.isCancelled else { return }
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if abandonedWaiters.remove(id) != nil {
                    continuation.resume()
                } else {
                    waiters[id] = continuation
                }
            }
        } onCancel: {
            Task { await self.abandon(id) }
        }
    }

    private func abandon(_ id: UUID) {
        if let continuation = waiters.removeValue(forKey: id) {
            continuation.resume()
        } else {
            abandonedWaiters.insert(id)
        }
    }

    /// Waits until the stream is completed, failed or cancelled.
    public func waitUntilFinished() async {
        while !state.isFinal, !Task.isCancelled {
            await waitForChange(since: version)
        }
    }

    /// Waits up to `limit` for the stream to finish; whether it did.
    public func waitUntilFinished(timeout limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while !state.isFinal, !Task.isCancelled, ContinuousClock.now < deadline {
            let seen = version
            let timer = Task { [weak self] in
                try? await Timers.sleep(until: deadline)
                await self?.changed()
            }
            await waitForChange(since: seen)
            timer.cancel()
        }
        return state.isFinal
    }

    /// All audio held, as 16-bit samples (a finished request: all of it).
    public func audio() -> [Int16] { Array(frames.samples) }
}
