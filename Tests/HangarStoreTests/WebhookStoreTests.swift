import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import Testing

@Suite("Store conformance: webhook outbox")
struct WebhookStoreTests {
    /// Every final event: the tests of ends leave starts to their own test.
    private static let finalEvents = WebhookEvent.all.filter { $0 != WebhookEvent.started }

    private func subscription(
        _ tenant: String = Tenant.defaultID, events: [String] = WebhookStoreTests.finalEvents, agentID: String? = nil,
        url: String = "https://hooks.example/a"
    ) -> WebhookSubscription {
        WebhookSubscription(
            id: "whsub_" + Identifier.make(), tenantID: tenant, url: url, events: events, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            agentID: agentID)
    }

    private func submit(_ store: any HangarStore, _ agent: Agent, callback: String? = nil) async throws -> TaskRecord {
        try await store.taskInsert(
            TaskInsertParams(tenantID: agent.tenantID, agentID: agent.id, input: ["prompt": "hi"], callbackURL: callback)
        ).task
    }

    @Test("a final status writes one delivery per callback and matching subscription, in its transaction", arguments: TestBackend.allCases)
    func enqueue(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let other = try await store.makeAgent()
            let all = subscription()
            let onlyFailed = subscription(events: ["task.failed"], url: "https://hooks.example/failed")
            let onlyOther = subscription(agentID: other.id, url: "https://hooks.example/other")
            for s in [all, onlyFailed, onlyOther] { try await store.webhookSubscriptionInsert(s) }
            try await store.tenantUpsert(id: "globex", name: "Globex")
            try await store.webhookSubscriptionInsert(subscription("globex"))

            let plain = try await submit(store, agent)
            let withCallback = try await submit(store, agent, callback: "https://cb.example/done")
            let claimed = try await store.claim(2)
            #expect(claimed.count == 2)
            for task in claimed { _ = try await store.complete(task) }

            let plainDeliveries = try await store.webhookDeliveryList(tenantID: Tenant.defaultID, taskID: plain.id)
            #expect(plainDeliveries.map(\.url) == [all.url])
            let callbackDeliveries = try await store.webhookDeliveryList(tenantID: Tenant.defaultID, taskID: withCallback.id)
            #expect(Set(callbackDeliveries.map(\.url)) == ["https://cb.example/done", all.url])
            #expect(callbackDeliveries.allSatisfy { $0.status == .pending && $0.eventType == "task.completed" && $0.attempts.isEmpty })
            #expect(callbackDeliveries.first { $0.subscriptionID == nil }?.url == "https://cb.example/done")
            #expect(try await store.webhookDeliveryList(tenantID: "globex", taskID: plain.id).isEmpty)

            // A queued task cancelled: task.cancelled, to the subscription that wants every event.
            let cancelled = try await submit(store, agent)
            _ = try await store.taskCancel(tenantID: Tenant.defaultID, id: cancelled.id, reason: "no")
            #expect(try await store.webhookDeliveryList(tenantID: Tenant.defaultID, taskID: cancelled.id).map(\.eventType) == ["task.cancelled"])

            // A failure: both the catch-all and the failed-only subscription.
            let failing = try await submit(store, agent)
            let running = try #require(try await store.claim().first)
            #expect(running.task.id == failing.id)
            _ = try await store.taskFinish(
                TaskFinishParams(
                    taskID: failing.id, leaseToken: running.task.leaseToken!,
                    outcome: .failed(TaskFailure(code: "x", message: "x", retryable: false), retryDelay: .zero)))
            #expect(Set(try await store.webhookDeliveryList(tenantID: Tenant.defaultID, taskID: failing.id).map(\.url)) == [all.url, onlyFailed.url])

            // The other agent's task: the catch-all and the agent's own subscription.
            let otherTask = try await submit(store, other)
            let otherClaim = try #require(try await store.claim().first)
            #expect(otherClaim.task.id == otherTask.id)
            _ = try await store.complete(otherClaim)
            #expect(Set(try await store.webhookDeliveryList(tenantID: Tenant.defaultID, taskID: otherTask.id).map(\.url)) == [all.url, onlyOther.url])
        }
    }

    @Test("task.started: one delivery per start to its subscribers only, in the claim's transaction", arguments: TestBackend.allCases)
    func started(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let other = try await store.makeAgent()
            let starts = subscription(events: [WebhookEvent.started], url: "https://hooks.example/starts")
            let everything = subscription(events: WebhookEvent.all, url: "https://hooks.example/all")
            let ends = subscription(url: "https://hooks.example/ends")
            let otherStarts = subscription(events: [WebhookEvent.started], agentID: other.id, url: "https://hooks.example/other")
            for s in [starts, everything, ends, otherStarts] { try await store.webhookSubscriptionInsert(s) }
            try await store.tenantUpsert(id: "globex", name: "Globex")
            try await store.webhookSubscriptionInsert(subscription("globex", events: [WebhookEvent.started]))

            // Two tasks claimed in one batch, one with a callback (which hears of ends only).
            let first = try await submit(store, agent, callback: "https://cb.example/done")
            let second = try await submit(store, agent)
            let claimed = try await store.claim(2)
            #expect(claimed.count == 2)
            for task in [first, second] {
                let deliveries = try await store.webhookDeliveryList(tenantID: Tenant.defaultID, taskID: task.id)
                #expect(Set(deliveries.map(\.url)) == [starts.url, everything.url], "task \(task.id)")
                #expect(deliveries.allSatisfy { $0.eventType == "task.started" && $0.taskAttempt == 1 && $0.status == .pending })
                #expect(deliveries.allSatisfy { $0.subscriptionID != nil })
                #expect(try await store.webhookDeliveryList(tenantID: "globex", taskID: task.id).isEmpty)
            }

            // A retryable failure queues the task again; the next claim is a second start.
            let running = try #require(claimed.first { $0.task.id == first.id })
            _ = try await store.taskFinish(
                TaskFinishParams(
                    taskID: first.id, leaseToken: running.task.leaseToken!,
                    outcome: .failed(TaskFailure(code: "x", message: "x", retryable: true), retryDelay: .zero)))
            let retried = try #require(try await store.claim().first)
            #expect(retried.task.id == first.id && retried.task.attempts == 2)
            let afterRetry = try await store.webhookDeliveryList(tenantID: Tenant.defaultID, taskID: first.id)
            let startsSeen = afterRetry.filter { $0.eventType == "task.started" && $0.subscriptionID == starts.id }
            #expect(startsSeen.map(\.taskAttempt) == [1, 2])
            #expect(afterRetry.allSatisfy { $0.url != ends.url && $0.subscriptionID != nil }, "no end yet, and never a callback for a start")

            // Another agent's task: its own agent-scoped subscription joins in.
            let otherTask = try await submit(store, other)
            let otherClaim = try #require(try await store.claim().first)
            #expect(otherClaim.task.id == otherTask.id)
            let otherDeliveries = try await store.webhookDeliveryList(tenantID: Tenant.defaultID, taskID: otherTask.id)
            #expect(Set(otherDeliveries.map(\.url)) == [starts.url, everything.url, otherStarts.url])

            // Claiming hands the started deliveries to the dispatcher like any other.
            let due = try await store.webhookDeliveryClaim(WebhookClaimParams(limit: 50, leaseDuration: .seconds(30)))
            // first: two starts × two subscriptions; second: two; the other agent's task: three.
            #expect(due.deliveries.count == 9)
            #expect(due.deliveries.first { $0.subscriptionID == starts.id }?.secret == starts.secret)
            #expect(due.deliveries.allSatisfy { $0.taskAttempt != nil })
        }
    }

    @Test("claims are exclusive and leased; attempts are recorded, retried, delivered; deleting a subscription stops its deliveries", arguments: TestBackend.allCases)
    func claimAndRecord(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            let keep = subscription(url: "https://hooks.example/keep")
            let drop = subscription(url: "https://hooks.example/drop")
            try await store.webhookSubscriptionInsert(keep)
            try await store.webhookSubscriptionInsert(drop)
            let task = try await submit(store, agent, callback: "https://cb.example/x")
            _ = try await store.complete(try #require(try await store.claim().first))

            let first = try await store.webhookDeliveryClaim(WebhookClaimParams(limit: 10, leaseDuration: .seconds(30)))
            #expect(first.deliveries.count == 3)
            #expect(first.deliveries.first { $0.subscriptionID == keep.id }?.secret == keep.secret)
            #expect(first.deliveries.first { $0.subscriptionID == nil }?.secret == nil)
            #expect(try await store.webhookDeliveryClaim(WebhookClaimParams(limit: 10, leaseDuration: .seconds(30))).deliveries.isEmpty)

            let attempt = WebhookAttempt(attempt: 1, at: Date(), statusCode: 503, error: nil, durationMS: 12, responseExcerpt: "busy")
            for delivery in first.deliveries {
                #expect(try await store.webhookDeliveryRecord(
                    WebhookRecordParams(deliveryID: delivery.id, leaseToken: delivery.leaseToken!, attempt: attempt, outcome: .retry(after: .seconds(1)))))
                // The lease is spent: recording again changes nothing.
                #expect(try await store.webhookDeliveryRecord(
                    WebhookRecordParams(deliveryID: delivery.id, leaseToken: delivery.leaseToken!, attempt: attempt, outcome: .delivered)) == false)
            }
            let waiting = try await store.webhookDeliveryClaim(WebhookClaimParams(limit: 10, leaseDuration: .seconds(30)))
            #expect(waiting.deliveries.isEmpty && waiting.nextDueAt != nil)

            #expect(try await store.webhookSubscriptionDelete(tenantID: Tenant.defaultID, id: drop.id))
            #expect(try await store.webhookSubscriptionDelete(tenantID: Tenant.defaultID, id: drop.id) == false)
            #expect(try await store.webhookSubscriptionList(tenantID: Tenant.defaultID).map(\.id) == [keep.id])

            // Due again after the delay (polled: a loaded machine may split them over two claims).
            var again: [WebhookDelivery] = []
            _ = try await eventually(timeout: .seconds(10), every: .milliseconds(100)) {
                again += try await store.webhookDeliveryClaim(WebhookClaimParams(limit: 10, leaseDuration: .seconds(30))).deliveries
                return again.count >= 2
            }
            let second = WebhookClaimResult(deliveries: again, nextDueAt: nil)
            #expect(second.deliveries.count == 2)
            #expect(second.deliveries.allSatisfy { $0.attempts.count == 1 && $0.attempts[0].statusCode == 503 && $0.attempts[0].responseExcerpt == "busy" })
            for delivery in second.deliveries {
                let outcome: WebhookOutcome = delivery.subscriptionID == nil ? .delivered : .failed(error: "receiver answered 410 Gone", disableSubscription: true)
                let ok = WebhookAttempt(attempt: 2, at: Date(), statusCode: delivery.subscriptionID == nil ? 200 : 410, error: nil, durationMS: 3, responseExcerpt: nil)
                #expect(try await store.webhookDeliveryRecord(WebhookRecordParams(deliveryID: delivery.id, leaseToken: delivery.leaseToken!, attempt: ok, outcome: outcome)))
            }
            let final = try await store.webhookDeliveryList(tenantID: Tenant.defaultID, taskID: task.id)
            #expect(final.first { $0.subscriptionID == nil }?.status == .delivered)
            #expect(final.first { $0.subscriptionID == nil }?.attempts.map(\.statusCode) == [503, 200])
            #expect(final.first { $0.subscriptionID == keep.id }?.status == .failed)
            #expect(final.first { $0.subscriptionID == drop.id }?.error == "subscription deleted")
            #expect(try await store.webhookSubscriptionList(tenantID: Tenant.defaultID).first?.isActive == false)
            let done = try await store.webhookDeliveryClaim(WebhookClaimParams(limit: 10, leaseDuration: .seconds(30)))
            #expect(done.deliveries.isEmpty && done.nextDueAt == nil)
        }
    }

    @Test("an expired delivery lease lets another claimer take it", arguments: TestBackend.allCases)
    func leaseExpiry(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.makeAgent()
            _ = try await submit(store, agent, callback: "https://cb.example/x")
            _ = try await store.complete(try #require(try await store.claim().first))
            let first = try await store.webhookDeliveryClaim(WebhookClaimParams(limit: 10, leaseDuration: .milliseconds(100)))
            #expect(first.deliveries.count == 1)
            try await Task.sleep(for: .milliseconds(250))
            let second = try await store.webhookDeliveryClaim(WebhookClaimParams(limit: 10, leaseDuration: .seconds(30)))
            #expect(second.deliveries.map(\.id) == first.deliveries.map(\.id))
            let attempt = WebhookAttempt(attempt: 1, at: Date(), statusCode: 200, error: nil, durationMS: 1, responseExcerpt: nil)
            #expect(try await store.webhookDeliveryRecord(
                WebhookRecordParams(deliveryID: first.deliveries[0].id, leaseToken: first.deliveries[0].leaseToken!, attempt: attempt, outcome: .delivered)) == false)
            #expect(try await store.webhookDeliveryRecord(
                WebhookRecordParams(deliveryID: second.deliveries[0].id, leaseToken: second.deliveries[0].leaseToken!, attempt: attempt, outcome: .delivered)))
        }
    }
}
