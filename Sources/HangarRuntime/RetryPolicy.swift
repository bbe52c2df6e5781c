/// Exponential backoff with jitter: attempt n waits about `base · 2^(n-1)`, capped at
import HangarCore
/// `maximum`, less a random share (`jitter`) so that tasks that failed together do not
/// all come back at the same instant.
public struct RetryPolicy: Sendable {
    public var base: Duration
    public var maximum: Duration
    /// 0 = no jitter, 1 = anywhere between zero and the full delay.
    public var jitter: Double

    public init(base: Duration = .seconds(1), maximum: Duration = .seconds(300), jitter: Double = 0.5) {
        self.base = base
        self.maximum = maximum
        self.jitter = min(1, max(0, jitter))
    }

    public func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = Double(max(0, attempt - 1))
        let full = min(maximum.seconds, base.seconds * pow2(exponent))
        let factor = 1 - jitter * Double.random(in: 0...1)
        return .seconds(fractional: full * factor)
    }

    private func pow2(_ exponent: Double) -> Double {
        exponent > 60 ? .greatestFiniteMagnitude : Double(1 << Int(exponent))
    }
}
