/// How long to wait before trying again: one type for every retry in Hangar — the task queue's
/// attempts, model providers' requests, S3 calls and webhook deliveries.
public struct Backoff: Sendable, Hashable {
    public enum Steps: Sendable, Hashable {
        /// `base · 2^(n−1)` after the n-th failure, at most `maximum`.
        case exponential(base: Duration, maximum: Duration)
        /// The n-th entry after the n-th failure, the last one from then on (Stripe-style
        /// webhook schedules). Empty: five seconds each time.
        case schedule([Duration])
    }

    public var steps: Steps
    /// Each delay is multiplied by a factor drawn uniformly from this range (`1...1`: exact), so
    /// that callers that failed together do not all come back at the same instant.
    public var spread: ClosedRange<Double>
    /// No delay is longer than this, spread included.
    public var ceiling: Duration?

    public init(_ steps: Steps, spread: ClosedRange<Double> = 1...1, ceiling: Duration? = nil) {
        self.steps = steps
        self.spread = max(0, spread.lowerBound)...max(0, spread.upperBound)
        self.ceiling = ceiling
    }

    /// The wait after the n-th consecutive failure (n ≥ 1; smaller counts as 1).
    public func delay(afterFailure failures: Int) -> Duration {
        let n = max(1, failures)
        let step: Double
        switch steps {
        case .exponential(let base, let maximum):
            let doublings = min(n - 1, 60)
            step = min(maximum.seconds, base.seconds * Double(UInt64(1) << UInt64(doublings)))
        case .schedule(let delays):
            step = delays.isEmpty ? 5 : delays[min(n, delays.count) - 1].seconds
        }
        var seconds = step * (spread.lowerBound == spread.upperBound ? spread.lowerBound : Double.random(in: spread))
        if let ceiling { seconds = min(seconds, ceiling.seconds) }
        seconds = min(seconds, 1e9)  // a billion seconds: far past any use, short of Int64's nanoseconds
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
