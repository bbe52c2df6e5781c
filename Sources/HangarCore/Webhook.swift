import Foundation

/// The events a webhook subscription may ask for.
public enum WebhookEvent {
    /// An attempt began (`queued → running`): sent on every start, retries included, so that
    /// each state change is one event; the payload's `attempts` says which attempt it was.
    /// Subscriptions only: a task's `callback_url` hears about its final status alone.
    public static let started = "task.started"

    public static let all: [String] = [started, "task.completed", "task.failed", "task.cancelled", "task.timed_out"]

    /// `task.completed` for a task that ended `completed`, and so on.
    public static func name(for status: TaskStatus) -> String { "task.\(status.rawValue)" }
}

/// A tenant's standing request to be told when its tasks end (seed 004 Phase 5).
public struct WebhookSubscription: Sendable, Hashable {
    public var id: String
    public var tenantID: String
    public var url: String
    public var events: [String]
    /// `whsec_…`: the signing key. Shown once, at creation.
    public var secret: String
    /// Only this agent's tasks; `nil` = every agent of the tenant.
    public var agentID: String?
    /// `false` once a receiver answered 410 Gone.
    public var isActive: Bool
    public var createdAt: Date
    /// Headers sent with every delivery (seed 004's `headers`), as a sealed JSON object: they
    /// often carry a receiver's credential. `nil`: none.
    public var headers: String?

    public init(
        id: String, tenantID: String, url: String, events: [String], secret: String, agentID: String?, isActive: Bool = true,
        createdAt: Date = Date(), headers: String? = nil
    ) {
        self.headers = headers
        self.id = id
        self.tenantID = tenantID
        self.url = url
        self.events = events
        self.secret = secret
        self.agentID = agentID
        self.isActive = isActive
        self.createdAt = createdAt
    }
}

/// One try at delivering a webhook.
public struct WebhookAttempt: Sendable, Hashable, Codable {
    public var attempt: Int
    public var at: Date
    public var statusCode: Int?
    public var error: String?
    public var durationMS: Int
    /// At most 1 KiB of the receiver's answer.
    public var responseExcerpt: String?

    public init(attempt: Int, at: Date, statusCode: Int?, error: String?, durationMS: Int, responseExcerpt: String?) {
        self.attempt = attempt
        self.at = at
        self.statusCode = statusCode
        self.error = error
        self.durationMS = durationMS
        self.responseExcerpt = responseExcerpt
    }

    enum CodingKeys: String, CodingKey {
        case attempt, at, error
        case statusCode = "status_code"
        case durationMS = "duration_ms"
        case responseExcerpt = "response_excerpt"
    }

    public static func encode(_ attempts: [WebhookAttempt]) -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return (try? encoder.encode(attempts)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    public static func decode(_ text: String?) -> [WebhookAttempt] {
        guard let text else { return [] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return (try? decoder.decode([WebhookAttempt].self, from: Data(text.utf8))) ?? []
    }
}

/// A webhook to send: a row of the durable outbox, written in the transaction that started
/// (`task.started`) or ended the task.
public struct WebhookDelivery: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case pending, delivered, failed
    }

    /// Also the `webhook-id` header: the same on every retry.
    public var id: String
    public var tenantID: String
    public var taskID: String
    /// `nil`: the task's own `callback_url`.
    public var subscriptionID: String?
    public var url: String
    public var eventType: String
    public var status: Status
    public var attempts: [WebhookAttempt]
    /// When a pending delivery is tried next.
    public var nextAttemptAt: Date?
    /// Why a delivery failed for good (retry period over, 410 Gone, subscription deleted).
    public var error: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// The subscription's signing key; set only on claimed deliveries.
    public var secret: String?
    /// The subscription's sealed extra headers; set only on claimed deliveries.
    public var headers: String?
    /// Set only on claimed deliveries: the fence for `webhookDeliveryRecord`.
    public var leaseToken: String?
    /// The attempt a `task.started` delivery announces (the task may be on a later one by the
    /// time it is sent); `nil` for final events.
    public var taskAttempt: Int?

    public init(
        id: String, tenantID: String, taskID: String, subscriptionID: String?, url: String, eventType: String, status: Status,
        attempts: [WebhookAttempt], nextAttemptAt: Date?, error: String?, createdAt: Date, updatedAt: Date, secret: String? = nil,
        leaseToken: String? = nil, taskAttempt: Int? = nil
    ) {
        self.taskAttempt = taskAttempt
        self.id = id
        self.tenantID = tenantID
        self.taskID = taskID
        self.subscriptionID = subscriptionID
        self.url = url
        self.eventType = eventType
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.error = error
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.secret = secret
        self.leaseToken = leaseToken
    }
}
