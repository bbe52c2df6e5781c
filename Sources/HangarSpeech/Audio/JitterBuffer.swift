/// The pacing policy of a real-time listener: one 20 ms frame per tick, like a WebRTC track.
///
/// Playback starts once `target` frames are buffered (or when no more audio is coming soon).
/// When the buffer runs dry while synthesis is still under way, that is an underrun: the
/// listener gets silence (the clock never stops), the target grows by one frame (adaptive,
/// up to `maximumTarget`) and playback resumes when the buffer is back at the target. Silence
/// while nothing is being synthesised (waiting for text) is idle time, not an underrun.
public struct JitterBuffer: Sendable, Equatable {
    public enum Decision: Sendable, Equatable {
        /// Nothing has played yet and there is nothing to play: send nothing.
        case wait
        /// Send the next frame.
        case play
        /// Send a frame of silence; `underrun` when synthesis was late.
        case silence(underrun: Bool)
        /// All audio has been sent.
        case end
    }

    public private(set) var target: Int
    public let maximumTarget: Int
    public private(set) var underruns = 0
    private var playing = false
    private var started = false

    public init(target: Int, maximumTarget: Int) {
        self.target = max(1, target)
        self.maximumTarget = max(self.target, maximumTarget)
    }

    /// What to do this tick, given the frames ready for this listener, whether synthesis is in
    /// progress, and whether the stream has ended (no audio will ever follow).
    public mutating func decide(available: Int, producing: Bool, finished: Bool) -> Decision {
        if available == 0, finished { return .end }
        if !playing {
            if available >= target || (available > 0 && (finished || !producing)) {
                playing = true
                started = true
                return .play
            }
            return started ? .silence(underrun: false) : .wait
        }
        if available > 0 { return .play }
        playing = false
        guard producing else { return .silence(underrun: false) }
        underruns += 1
        target = min(target + 1, maximumTarget)
        return .silence(underrun: true)
    }
}
