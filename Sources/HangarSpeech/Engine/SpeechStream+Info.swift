import Foundation

/// A stream's state, for status responses.
extension SpeechStream {
    public struct Info: Sendable {
        public var id: String
        public var kind: Kind
        public var state: State
        public var voiceID: String
        public var params: SpeechParams
        public var createdAt: Date
        public var completedAt: Date?
        public var failure: String?
        public var charactersReceived: Int
        /// Text received but not yet in a segment (an unfinished sentence).
        public var pendingCharacters: Int
        public var segmentsQueued: Int
        public var segmentsInFlight: Int
        public var segmentsDone: Int
        public var segmentsFailed: Int
        public var lastError: String?
        /// Frames produced so far, and the first one still held.
        public var framesProduced: Int
        public var firstFrameHeld: Int
        public var listeners: Int
        public var underruns: Int
        public var interruptions: Int
        /// From the first text to the first audio frame.
        public var timeToFirstAudio: Duration?
        public var estimatedMilliseconds: Int
        public var frameMilliseconds: Int

        public var durationMilliseconds: Int { framesProduced * frameMilliseconds }
    }

    public func info() -> Info {
        var ttfa: Duration?
        if let firstTextAt, let firstAudioAt { ttfa = firstAudioAt - firstTextAt }
        return Info(
            id: id,
            kind: kind,
            state: state,
            voiceID: voice.id,
            params: params,
            createdAt: createdAt,
            completedAt: completedAt,
            failure: failure,
            charactersReceived: charactersReceived,
            pendingCharacters: segmenter.pendingCharacters,
            segmentsQueued: queue.count,
            segmentsInFlight: inFlight.count,
            segmentsDone: segmentsDone,
            segmentsFailed: segmentsFailed,
            lastError: lastError,
            framesProduced: frames.end,
            firstFrameHeld: frames.base,
            listeners: readers.count,
            underruns: underruns,
            interruptions: interruptions,
            timeToFirstAudio: ttfa,
            estimatedMilliseconds: estimatedMilliseconds,
            frameMilliseconds: engine.format.frameMilliseconds
        )
    }

    /// Whether the directory should forget this stream now.
    func expired(now: ContinuousClock.Instant, limits: SpeechConfiguration.Limits) -> Bool {
        if let finishedAt {
            let retention = kind == .request ? limits.requestRetention : limits.sessionRetention
            return now - finishedAt > retention && (kind == .request || readers.isEmpty)
        }
        return kind == .session && readers.isEmpty && !producing && now - lastActivity > limits.sessionIdleTimeout
    }

    /// Bytes of audio held.
    var heldBytes: Int { frames.retainedBytes }

    var isFinished: Bool { state.isFinal }

    func setEstimate(_ milliseconds: Int) { estimatedMilliseconds = milliseconds }
}
