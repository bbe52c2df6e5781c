import Foundation
public import HangarCore

public struct WebhookClaimParams: Sendable {
    public var limit: Int
    /// How long the claimer may hold the deliveries before another process may take them.
    public var leaseDuration: Duration

    public init(limit: Int, leaseDuration: Duration) {
        self.limit = limit
        self.leaseDuration = leaseDuration
    }
}

public struct WebhookClaimResult: Sendable {
    /// Each with `secret` (subscriptions) and `leaseToken` set.
    public var deliveries: [WebhookDelivery]
    /// When the earliest pending delivery comes due (or its lease runs out, for one in flight
    /// elsewhere); only set when nothing was claimed.
    public var nextDueAt: Date?

    public init(deliveries: [WebhookDelivery], nextDueAt: Date?) {
        self.deliveries = deliveries
        self.nextDueAt = nextDueAt
    }
}

/// What became of one attempt.
public enum WebhookOutcome: Sendable, Hashable {
    case delivered
    /// Try again after `delay` (measured on the store's clock).
    case retry(after: Duration)
    /// Give up: `error` says why; `disableSubscription` after a 410 Gone.
    case failed(error: String, disableSubscription: Bool)
}

public struct WebhookRecordParams: Sendable {
    public var deliveryID: String
    public var leaseToken: String
    public var attempt: WebhookAttempt
    public var outcome: WebhookOutcome

    public init(deliveryID: String, leaseToken: String, attempt: WebhookAttempt, outcome: WebhookOutcome) {
        self.deliveryID = deliveryID
        self.leaseToken = leaseToken
        self.attempt = attempt
        self.outcome = outcome
    }
}
