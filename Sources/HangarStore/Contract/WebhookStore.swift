import Foundation
public import HangarCore

/// Webhook subscriptions and the outbox: a task's final status writes its deliveries in the
/// same transaction, for its `callback_url` and each matching subscription of its tenant.
public protocol WebhookStore: Sendable {
    func webhookSubscriptionInsert(_ subscription: WebhookSubscription) async throws
    /// The tenant's subscriptions, oldest first.
    func webhookSubscriptionList(tenantID: String) async throws -> [WebhookSubscription]
    /// Deletes the subscription and fails its pending deliveries; `false` when the tenant has no such subscription.
    func webhookSubscriptionDelete(tenantID: String, id: String) async throws -> Bool
    /// Leases up to `limit` due pending deliveries. Exclusive across processes.
    func webhookDeliveryClaim(_ params: WebhookClaimParams) async throws -> WebhookClaimResult
    /// Appends the attempt and applies its outcome. Fenced: `false` (and nothing changed)
    /// when the lease was lost or the delivery stopped meanwhile.
    func webhookDeliveryRecord(_ params: WebhookRecordParams) async throws -> Bool
    /// Every delivery of the task, oldest first.
    func webhookDeliveryList(tenantID: String, taskID: String) async throws -> [WebhookDelivery]
}
