import AsyncHTTPClient
import HangarErrorText
import Foundation
import HangarAgents
public import HangarAuth
import HangarCore
public import HangarRuntime
public import HangarCore
public import HangarStore
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceLifecycle
import Synchronization

/// Sends the outbox's webhook deliveries (see `HangarStore.webhookDeliveryClaim`). Runs in
/// every `serve` and `worker` process: deliveries are leased, so processes never send the
/// same attempt twice, and a process that dies mid-attempt leaves its lease to expire.
///
/// A 2xx answer delivers; 410 Gone stops (and disables the subscription); anything else, or
/// no answer, is retried on `schedule` (with jitter) until `retryPeriod` after the task ended.
///
/// What a receiver gets is the API's task representation, which the HTTP module owns: the
/// composition root passes it in as `render`, so delivering needs no HTTP server.
public struct WebhookDispatcher: Service {
    /// The task as a delivery of `event` shows it (`attempt`: the attempt a `task.started` is about).
    public typealias Render = @Sendable (_ task: TaskRecord, _ event: String, _ attempt: Int?) -> JSONValue

    public struct Configuration: Sendable {
        /// How long after the task ended a delivery is retried (`HANGAR_WEBHOOK_RETRY_PERIOD`).
        public var retryPeriod: Duration
        /// The delay before retry n (1-based); the last entry repeats.
        public var schedule: [Duration]
        /// ± this fraction of each delay, at random.
        public var jitter: Double
        /// Per attempt, connection to last byte.
        public var timeout: Duration
        /// Longest sleep between looks at the outbox (wake-ups usually come sooner).
        public var pollInterval: Duration
        public var leaseDuration: Duration
        /// Most attempts in flight at once (each one's receiver may take up to `timeout`).
        public var batch: Int
        /// Only `allowPrivateNetworks` applies: webhook targets may be any public host.
        public var allowPrivateNetworks: Bool
        /// Signs `callback_url` deliveries (`HANGAR_WEBHOOK_SECRET`); unsigned without it.
        public var callbackSecret: String?

        public static let standardSchedule: [Duration] = [
            .seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(1800), .seconds(3600),
        ]

        public init(
            retryPeriod: Duration = .seconds(24 * 3600), schedule: [Duration] = Configuration.standardSchedule, jitter: Double = 0.2,
            timeout: Duration = .seconds(10), pollInterval: Duration = .seconds(5), leaseDuration: Duration = .seconds(60),
            batch: Int = 16, allowPrivateNetworks: Bool = false, callbackSecret: String? = nil
        ) {
            self.retryPeriod = retryPeriod
            self.schedule = schedule
            self.jitter = jitter
            self.timeout = timeout
            self.pollInterval = pollInterval
            self.leaseDuration = leaseDuration
            self.batch = batch
            self.allowPrivateNetworks = allowPrivateNetworks
            self.callbackSecret = callbackSecret
        }

        /// The schedule, each wait jittered by ±`jitter`, capped at one hour.
        public var backoff: Backoff {
            let jitter = min(1, max(0, jitter))
            return Backoff(.schedule(schedule), spread: (1 - jitter)...(1 + jitter), ceiling: .seconds(3600))
        }
    }

    let store: any NotifyingStore & TaskStore & WebhookStore
    let render: Render
    let configuration: Configuration
    /// Resolves receivers' host names for the network policy (tests substitute their own).
    let resolve: @Sendable (String) -> [String]
    let logger: Logger
    let metrics: HangarMetrics
    /// Opens subscription secrets, which are sealed at rest.
    let vault: SecretBox?

    public init(
        store: any NotifyingStore & TaskStore & WebhookStore, render: @escaping Render, configuration: Configuration, logger: Logger,
        metrics: HangarMetrics = .shared, vault: SecretBox? = nil, resolve: @escaping @Sendable (String) -> [String] = NetworkPolicy.resolve
    ) {
        self.render = render
        self.vault = vault
        self.resolve = resolve
        self.store = store
        self.metrics = metrics
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let wake = WakeSignal()
        let signals = store.notifier.subscribe()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await signal in signals where signal == .webhooksDue { wake.signal() }
                }
                group.addTask { await dispatch(wake: wake) }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Keeps up to `batch` attempts in flight and claims more as soon as one ends, so a
    /// receiver that accepts and never answers holds only its own slots until the timeout,
    /// never the turn of deliveries to other receivers.
    private func dispatch(wake: WakeSignal) async {
        let inFlight = InFlight()
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                var next: Date?
                let free = configuration.batch - inFlight.count
                if free > 0 {
                    do {
                        let result = try await store.webhookDeliveryClaim(
                            WebhookClaimParams(limit: free, leaseDuration: configuration.leaseDuration))
                        for delivery in result.deliveries {
                            inFlight.add(1)
                            group.addTask {
                                await attempt(delivery)
                                inFlight.add(-1)
                                wake.signal()  // a slot is free: claim again
                            }
                        }
                        // Got some: there may be more, claim again without waiting.
                        if !result.deliveries.isEmpty { continue }
                        next = result.nextDueAt
                    } catch {
                        logger.error("webhook claim failed", metadata: ["error": "\(error)"])
                    }
                }
                var sleep = configuration.pollInterval
                if let next { sleep = min(sleep, .seconds(fractional: max(0.01, next.timeIntervalSinceNow))) }
                await wake.wait(timeout: sleep)
            }
        }
    }

    /// A subscription's signing secret in plaintext.
    private func openSecret(_ stored: String) throws -> String {
        guard SecretBox.isSealed(stored) else { return stored }  // stored before secrets were sealed
        guard let vault else { throw HangarError.unavailable("this process has no secret key to open webhook secrets with") }
        return try vault.openText(stored)
    }

    /// One attempt: render, sign, send, record.
    func attempt(_ delivery: WebhookDelivery) async {
        let number = delivery.attempts.count + 1
        let started = ContinuousClock.now
        let at = Date()
        var statusCode: Int?
        var excerpt: String?
        var failure: String?
        var gone = false
        do {
            guard let task = try await store.taskGet(tenantID: delivery.tenantID, id: delivery.taskID) else {
                await record(delivery, WebhookAttempt(attempt: number, at: at, statusCode: nil, error: "task deleted", durationMS: 0, responseExcerpt: nil),
                    .failed(error: "task deleted", disableSubscription: false))
                return
            }
            let body = Self.body(delivery, data: render(task, delivery.eventType, delivery.taskAttempt))
            let policy = NetworkPolicy(allowedDomains: [], allowPrivateNetworks: configuration.allowPrivateNetworks)
            // Connect to the address the policy approved, not to what the name says a moment later.
            var pinned: PinnedClient?
            do {
                pinned = try await PinnedClient.make(for: delivery.url, policy: policy, connectTimeout: configuration.timeout, resolve: resolve)
            } catch let refused as PinnedClient.Refused {
                failure = "refused by the network policy: \(refused.reason)"
            }
            if let pinned {
                defer { Task { await pinned.shutdown() } }
                let timestamp = Int(Date().timeIntervalSince1970)
                var request = HTTPClientRequest(url: delivery.url)
                request.method = .POST
                request.headers.add(name: "content-type", value: "application/json")
                request.headers.add(name: "user-agent", value: "Hangar-Webhooks/1")
                request.headers.add(name: "webhook-id", value: delivery.id)
                request.headers.add(name: "webhook-timestamp", value: String(timestamp))
                if let secret = delivery.subscriptionID == nil ? configuration.callbackSecret : try delivery.secret.map(openSecret) {
                    request.headers.add(
                        name: "webhook-signature", value: WebhookSignature.sign(secret: secret, id: delivery.id, timestamp: timestamp, body: body))
                }
                // The subscription's own headers (checked when it was made: none replaces Hangar's).
                if let sealed = delivery.headers {
                    for header in WebhookHeaders.decode(try openSecret(sealed)) { request.headers.add(name: header.name, value: header.value) }
                }
                request.body = .bytes(ByteBuffer(bytes: body))
                let timeout = TimeAmount.nanoseconds(Int64(configuration.timeout.seconds * 1_000_000_000))
                let response = try await pinned.client.execute(request, timeout: timeout)
                statusCode = Int(response.status.code)
                var kept: [UInt8] = []
                for try await chunk in response.body where kept.count < 1024 {
                    kept.append(contentsOf: chunk.readableBytesView.prefix(1024 - kept.count))
                }
                excerpt = kept.isEmpty ? nil : String(decoding: kept, as: UTF8.self)
                gone = response.status.code == 410
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            failure = "the receiver did not answer within \(String(format: "%g", configuration.timeout.seconds)) s (HANGAR_WEBHOOK_TIMEOUT)"
        } catch {
            failure = Self.describe(error)
        }
        let elapsed = ContinuousClock.now - started
        let attempt = WebhookAttempt(
            attempt: number, at: at, statusCode: statusCode, error: failure, durationMS: Int(elapsed.seconds * 1000), responseExcerpt: excerpt)
        let outcome: WebhookOutcome
        if let statusCode, (200..<300).contains(statusCode) {
            outcome = .delivered
        } else if gone {
            outcome = .failed(error: "receiver answered 410 Gone", disableSubscription: delivery.subscriptionID != nil)
        } else {
            let delay = configuration.backoff.delay(afterFailure: number)
            let deadline = delivery.createdAt.addingTimeInterval(configuration.retryPeriod.seconds)
            if Date().addingTimeInterval(delay.seconds) > deadline {
                outcome = .failed(error: "retry period over after \(number) attempts", disableSubscription: false)
            } else {
                outcome = .retry(after: delay)
            }
        }
        switch outcome {
        case .delivered: metrics.webhookDelivery(outcome: "delivered")
        case .failed: metrics.webhookDelivery(outcome: "gave_up")
        case .retry: metrics.webhookDelivery(outcome: "retry")
        }
        await record(delivery, attempt, outcome)
    }

    private func record(_ delivery: WebhookDelivery, _ attempt: WebhookAttempt, _ outcome: WebhookOutcome) async {
        guard let token = delivery.leaseToken else { return }
        do {
            let recorded = try await store.webhookDeliveryRecord(
                WebhookRecordParams(deliveryID: delivery.id, leaseToken: token, attempt: attempt, outcome: outcome))
            logger.debug(
                "webhook attempt", metadata: [
                    "delivery_id": "\(delivery.id)", "task_id": "\(delivery.taskID)", "status_code": "\(attempt.statusCode.map(String.init) ?? "-")",
                    "outcome": "\(outcome)", "recorded": "\(recorded)",
                ])
        } catch {
            logger.error("recording a webhook attempt failed", metadata: ["delivery_id": "\(delivery.id)", "error": "\(error)"])
        }
    }

    /// The bare task JSON for a `callback_url`; `{type, timestamp, data}` for a subscription.
    /// The timestamp is when the task started or ended (the delivery's creation), so every
    /// retry sends the same envelope.
    static func body(_ delivery: WebhookDelivery, data: JSONValue) -> [UInt8] {
        guard delivery.subscriptionID != nil else { return Array(JSONText.encode(data).utf8) }
        // `type` is Standard Webhooks' name for the event; seed 004's receivers read `event`.
        let envelope: JSONValue = .object([
            "type": .string(delivery.eventType), "event": .string(delivery.eventType), "timestamp": .string(Timestamp.format(delivery.createdAt)),
            "data": data,
        ])
        return Array(JSONText.encode(envelope).utf8)
    }

    static func describe(_ error: any Error) -> String {
        let text = ErrorText.describe(error)
        return text.count > 300 ? String(text.prefix(300)) : text
    }
}

/// How many attempts are running (read by the claim loop, changed by the attempts).
private final class InFlight: Sendable {
    private let value = Atomic<Int>(0)
    var count: Int { value.load(ordering: .relaxed) }
    func add(_ delta: Int) { value.add(delta, ordering: .relaxed) }
}
