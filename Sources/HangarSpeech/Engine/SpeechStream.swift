import Foundation

/// One flow of speech: a `speak` request (all its text at once, then closed) or a streaming
/// session (text arrives in pieces until stopped). Text is segmented as it arrives;
/// segments are rendered in parallel (up to the engine's limit) and delivered in their
/// original order to the splicer, whose frames go to a `FrameLog` that listeners read.
///
/// A session synthesises at most `bufferAhead` of audio beyond its slowest listener (or,
/// with no listener, beyond the oldest frame held), then waits: nothing is dropped that a
/// listener has not heard, and memory stays bounded. A request keeps all its audio.
public actor SpeechStream {
    public enum Kind: String, Sendable { case request, session }

    public enum State: String, Sendable {
        /// Accepting text (sessions) or being synthesised (requests).
        case open
        /// Stopped: the remaining text is being synthesised, no more is accepted.
        case closing
        case completed, failed, cancelled

        public var isFinal: Bool { self == .completed || self == .failed || self == .cancelled }
    }

    public nonisolated let id: String
    public nonisolated let kind: Kind
    public nonisolated let tenantID: String
    public nonisolated let createdAt: Date
    nonisolated let engine: SpeechEngine
    /// Sessions: frames synthesised ahead of the slowest listener. Requests: frames in all.
    nonisolated let capacityFrames: Int

    var state: State = .open
    var failure: String?
    var voice: Voice
    var params: SpeechParams
    var segmenter: TextSegmenter

    var queue: [(sequence: Int, job: SegmentJob)] = []
    var nextSequence = 0
    var inFlight: [Int: Task<Void, Never>] = [:]
    var ready: [Int: Result<[Float], any Error>] = [:]
    var nextToDeliver = 0
    var previousBoundary: SegmentBoundary?
    var epoch = 0
    var splicer: AudioSplicer

    var frames: FrameLog
    var readers: [UUID: Int] = [:]
    var version = 0
    var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    var abandonedWaiters: Set<UUID> = []

    var charactersReceived = 0
    var queuedCharacters = 0
    var segmentsDone = 0
    var segmentsFailed = 0
    var interruptions = 0
    var underruns = 0
    var lastError: String?
    var firstTextAt: ContinuousClock.Instant?
    var firstAudioAt: ContinuousClock.Instant?
    var lastActivity = ContinuousClock.now
    var finishedAt: ContinuousClock.Instant?
    var completedAt: Date?
    var estimatedMilliseconds = 0

    init(id: String, kind: Kind, tenantID: String, engine: SpeechEngine, voice: Voice, params: SpeechParams) {
        self.id = id
        self.kind = kind
        self.tenantID = tenantID
        self.createdAt = Date()
        self.engine = engine
        self.voice = voice
        self.params = params
        let configuration = engine.configuration
        let format = configuration.format
        self.segmenter = TextSegmenter(
            maximumCharacters: configuration.maximumSegmentCharacters,
            firstMaximumCharacters: kind == .session ? configuration.firstSegmentCharacters : nil
        )
        self.splicer = engine.makeSplicer()
        self.frames = FrameLog(samplesPerFrame: format.samplesPerFrame)
        let capacity = kind == .session ? configuration.bufferAhead : configuration.limits.maximumRequestAudio
        self.capacityFrames = max(1, Int(capacity / .milliseconds(format.frameMilliseconds)))
    }

    /// Whether anything is queued or being synthesised.
    var producing: Bool { !queue.isEmpty || !inFlight.isEmpty || !ready.isEmpty }

    /// Wakes everyone waiting for a change.
    func changed() {
        version += 1
        let waiting = waiters
        waiters.removeAll()
        for continuation in waiting.values { continuation.resume() }
    }

    /// Ends the stream with an error (a request whose segment failed).
    func fail(_ message: String) {
        guard !state.isFinal else { return }
        stopSynthesis()
        failure = message
        finish(.failed)
    }

    func finish(_ final: State) {
        state = final
        finishedAt = .now
        completedAt = Date()
        changed()
    }
}
