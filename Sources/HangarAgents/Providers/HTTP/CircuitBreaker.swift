import HangarCore
/// Stops calling an endpoint that keeps failing: after `threshold` consecutive transient
/// failures the circuit opens and calls fail at once for `cooldown`; then one probe is let
/// through (half-open) and its outcome closes or reopens the circuit. A throttled (429) or
/// refused (4xx) call proves the endpoint alive and counts as a success here.
actor CircuitBreaker {
    enum State: Sendable, Equatable {
        case closed
        case open(until: ContinuousClock.Instant)
        case halfOpen
    }

    struct Snapshot: Sendable {
        var state: String
        var consecutiveFailures: Int
        var lastError: String?
        var retryInSeconds: Double?
    }

    let threshold: Int
    let cooldown: Duration
    private(set) var state: State = .closed
    private var consecutiveFailures = 0
    private var lastError: String?
    private var probeInFlight = false

    init(threshold: Int = 5, cooldown: Duration = .seconds(30)) {
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
    }

    /// Whether a call may go out now; `nil` = yes, otherwise the time until the next probe.
    func admit(now: ContinuousClock.Instant = .now) -> Duration? {
        switch state {
        case .closed:
            return nil
        case .open(let until):
            if now < until { return until - now }
            state = .halfOpen
            probeInFlight = true
            return nil
        case .halfOpen:
            if probeInFlight { return cooldown / 10 }
            probeInFlight = true
            return nil
        }
    }

    func recordSuccess() {
        consecutiveFailures = 0
        probeInFlight = false
        state = .closed
    }

    func recordFailure(_ message: String, now: ContinuousClock.Instant = .now) {
        consecutiveFailures += 1
        lastError = message
        probeInFlight = false
        if state == .halfOpen || consecutiveFailures >= threshold {
            state = .open(until: now + cooldown)
        }
    }

    func snapshot(now: ContinuousClock.Instant = .now) -> Snapshot {
        switch state {
        case .closed:
            return Snapshot(state: "closed", consecutiveFailures: consecutiveFailures, lastError: lastError)
        case .open(let until):
            return Snapshot(
                state: "open", consecutiveFailures: consecutiveFailures, lastError: lastError,
                retryInSeconds: max(0, (until - now).seconds))
        case .halfOpen:
            return Snapshot(state: "half_open", consecutiveFailures: consecutiveFailures, lastError: lastError)
        }
    }
}
