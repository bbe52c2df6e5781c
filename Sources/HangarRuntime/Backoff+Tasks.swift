import HangarCore

extension Backoff {
    /// A failed attempt's retry: about `1 s · 2^(n−1)` after the n-th, at most five minutes, less
    /// up to half at random, so that tasks that failed together do not all come back at once.
    public static let taskRetries = Backoff(.exponential(base: .seconds(1), maximum: .seconds(300)), spread: 0.5...1)
}
