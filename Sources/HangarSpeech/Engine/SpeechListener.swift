import Foundation
import HangarTimers

/// One listener of a stream's audio, as 16-bit little-endian mono PCM in whole frames.
///
/// - `burst`: frames as fast as the connection takes them (up to a second per chunk), for
///   clients that buffer themselves (files, `ffplay`, a browser's media element).
/// - `realtime`: one frame every frame period on an absolute clock, like a WebRTC track,
///   through a `JitterBuffer`: playback starts once `jitterTarget` frames are ready (those
///   are sent at once to prime the client), an underrun sends silence and deepens the
///   buffer, and once playing the clock never stops: silence fills the gaps while the
///   session waits for text. Either way the listener ends when the stream has finished and
///   everything held was sent.
public struct SpeechListener: Sendable {
    public enum Pace: String, Sendable { case realtime, burst }

    public let stream: SpeechStream
    public let id: UUID
    /// The number of the first frame this listener receives.
    public let start: Int
    public let pace: Pace
    let format: AudioFormat
    var jitter: JitterBuffer
    var deadline: ContinuousClock.Instant?
    static let burstFrames = 50

    public static func attach(to stream: SpeechStream, from start: Int?, pace: Pace, configuration: SpeechConfiguration) async -> SpeechListener {
        let (id, first) = await stream.attach(from: start)
        let format = configuration.format
        let jitter = JitterBuffer(
            target: format.frames(milliseconds: configuration.jitterTargetMilliseconds),
            maximumTarget: format.frames(milliseconds: configuration.jitterMaximumMilliseconds)
        )
        return SpeechListener(stream: stream, id: id, start: first, pace: pace, format: format, jitter: jitter)
    }

    public func detach() async {
        await stream.detach(id)
    }

    /// Underruns so far (real-time listeners).
    public var underruns: Int { jitter.underruns }

    /// The next bytes to send, or nil when the stream has ended (or the task was cancelled).
    public mutating func next() async -> [UInt8]? {
        switch pace {
        case .burst: return await nextBurst()
        case .realtime: return await nextRealtime()
        }
    }

    private func nextBurst() async -> [UInt8]? {
        while !Task.isCancelled {
            let seen = await stream.changeVersion
            let chunk = await stream.take(id, count: Self.burstFrames)
            if !chunk.samples.isEmpty { return PCM16.bytes(chunk.samples) }
            if await stream.availability(id).finished { return nil }
            await stream.waitForChange(since: seen)
        }
        return nil
    }

    private mutating func nextRealtime() async -> [UInt8]? {
        let period = Duration.milliseconds(format.frameMilliseconds)
        while !Task.isCancelled {
            let seen = await stream.changeVersion
            let availability = await stream.availability(id)
            let decision = jitter.decide(available: availability.available, producing: availability.producing, finished: availability.finished)
            switch decision {
            case .end:
                return nil
            case .wait:
                await stream.waitForChange(since: seen)
                continue
            case .play where deadline == nil:
                // First audio: prime the client's buffer with what the jitter buffer gathered.
                let chunk = await stream.take(id, count: max(1, jitter.target))
                deadline = .now + period
                return PCM16.bytes(chunk.samples)
            case .play, .silence:
                guard await sleepUntilDeadline(period) else { return nil }
                if case .silence(let underrun) = decision {
                    if underrun { await stream.reportUnderrun() }
                    return [UInt8](repeating: 0, count: format.bytesPerFrame)
                }
                return PCM16.bytes(await stream.take(id, count: 1).samples)
            }
        }
        return nil
    }

    /// Sleeps until the next frame is due; a listener that fell far behind (a slow client)
    /// restarts the clock instead of bursting to catch up.
    private mutating func sleepUntilDeadline(_ period: Duration) async -> Bool {
        let due = deadline ?? .now
        if ContinuousClock.now - due > .milliseconds(200) {
            deadline = .now + period
            return !Task.isCancelled
        }
        do {
            try await Timers.sleep(until: due)
        } catch {
            return false
        }
        deadline = due + period
        return true
    }
}
