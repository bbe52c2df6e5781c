import Foundation
import GRDB
public import HangarCore
public import HangarStore

extension SQLiteStore {
    /// Writes the outbox rows for a task that just reached `status`: one for its `callback_url`,
    /// one per matching subscription. Called inside the transaction that set the status; a task
    /// without a callback in a tenant without subscriptions costs two index lookups.
    static func enqueueWebhooks(_ db: Database, taskID: String, status: TaskStatus, now: Date, signals: inout [QueueSignal]) throws {
        let event = WebhookEvent.name(for: status)
        try db.execute(
            cached: """
                INSERT INTO webhook_deliveries (id, tenant_id, task_id, subscription_id, url, event_type, status, attempts,
                    next_attempt_at, created_at, updated_at)
                SELECT 'msg_' || lower(hex(randomblob(16))), t.tenant_id, t.id, NULL, t.callback_url, ?1, 'pending', '[]', ?2, ?2, ?2
                FROM tasks t WHERE t.id = ?3 AND t.callback_url IS NOT NULL
                UNION ALL
                SELECT 'msg_' || lower(hex(randomblob(16))), t.tenant_id, t.id, s.id, s.url, ?1, 'pending', '[]', ?2, ?2, ?2
                FROM tasks t JOIN webhook_subscriptions s ON s.tenant_id = t.tenant_id
                WHERE t.id = ?3 AND s.is_active = 1 AND instr(s.events, ',' || ?1 || ',') > 0
                    AND (s.agent_id IS NULL OR s.agent_id = t.agent_id)
                """,
            arguments: [event, now.sqlite, taskID])
        if db.changesCount > 0 { signals.append(.webhooksDue) }
    }

    static let deliveryColumns = """
        d.id, d.tenant_id, d.task_id, d.subscription_id, d.url, d.event_type, d.status, d.attempts, d.next_attempt_at,
        d.error, d.created_at, d.updated_at, d.task_attempt
        """

    static func delivery(_ row: Row) -> WebhookDelivery {
        WebhookDelivery(
            id: row[0], tenantID: row[1], taskID: row[2], subscriptionID: row[3], url: row[4], eventType: row[5],
            status: WebhookDelivery.Status(rawValue: row[6]) ?? .failed, attempts: WebhookAttempt.decode(row[7]),
            nextAttemptAt: (row[8] as Double?).map(Date.init(sqlite:)), error: row[9], createdAt: Date(sqlite: row[10]),
            updatedAt: Date(sqlite: row[11]), taskAttempt: row[12])
    }

    public func webhookSubscriptionInsert(_ subscription: WebhookSubscription) async throws {
        try await write { db, _ in
            try db.execute(
                sql: """
                    INSERT INTO webhook_subscriptions (id, tenant_id, url, events, secret, agent_id, is_active, created_at, headers)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    subscription.id, subscription.tenantID, subscription.url, "," + subscription.events.joined(separator: ",") + ",",
                    subscription.secret, subscription.agentID, subscription.isActive, subscription.createdAt.sqlite, subscription.headers,
                ])
        }
    }

    public func webhookSubscriptionList(tenantID: String) async throws -> [WebhookSubscription] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, tenant_id, url, events, secret, agent_id, is_active, created_at, headers FROM webhook_subscriptions
                    WHERE tenant_id = ? ORDER BY seq
                    """,
                arguments: [tenantID]
            ).map { row in
                WebhookSubscription(
                    id: row[0], tenantID: row[1], url: row[2],
                    events: (row[3] as String).split(separator: ",").map(String.init), secret: row[4], agentID: row[5],
                    isActive: row[6], createdAt: Date(sqlite: row[7]), headers: row[8])
            }
        }
    }

    public func webhookSubscriptionDelete(tenantID: String, id: String) async throws -> Bool {
        let now = Date()
        return try await write { db, _ in
            try db.execute(sql: "DELETE FROM webhook_subscriptions WHERE tenant_id = ? AND id = ?", arguments: [tenantID, id])
            guard db.changesCount > 0 else { return false }
            try db.execute(
                sql: """
                    UPDATE webhook_deliveries SET status = 'failed', error = 'subscription deleted', next_attempt_at = NULL,
                        lease_token = NULL, lease_expires_at = NULL, updated_at = ?
                    WHERE subscription_id = ? AND status = 'pending'
                    """,
                arguments: [now.sqlite, id])
            return true
        }
    }

    public func webhookDeliveryClaim(_ params: WebhookClaimParams) async throws -> WebhookClaimResult {
        let now = Date()
        let token = Identifier.leaseToken()
        let expires = now.addingTimeInterval(params.leaseDuration.seconds)
        return try await write { db, _ in
            try db.execute(
                cached: """
                    UPDATE webhook_deliveries SET lease_token = ?, lease_expires_at = ? WHERE id IN (
                        SELECT id FROM webhook_deliveries
                        WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_expires_at IS NULL OR lease_expires_at < ?)
                        ORDER BY next_attempt_at LIMIT ?)
                    """,
                arguments: [token, expires.sqlite, now.sqlite, now.sqlite, params.limit])
            guard db.changesCount > 0 else {
                let next = try Double.fetchOne(
                    db, cached: """
                        SELECT min(max(next_attempt_at, COALESCE(lease_expires_at, next_attempt_at)))
                        FROM webhook_deliveries WHERE status = 'pending'
                        """)
                return WebhookClaimResult(deliveries: [], nextDueAt: next.map(Date.init(sqlite:)))
            }
            let deliveries = try Row.fetchAll(
                db,
                cached: """
                    SELECT \(SQLiteStore.deliveryColumns), s.secret, s.headers FROM webhook_deliveries d
                    LEFT JOIN webhook_subscriptions s ON s.id = d.subscription_id
                    WHERE d.lease_token = ? ORDER BY d.next_attempt_at
                    """,
                arguments: [token]
            ).map { row in
                var delivery = SQLiteStore.delivery(row)
                delivery.secret = row[13]
                delivery.headers = row[14]
                delivery.leaseToken = token
                return delivery
            }
            return WebhookClaimResult(deliveries: deliveries, nextDueAt: nil)
        }
    }

    public func webhookDeliveryRecord(_ params: WebhookRecordParams) async throws -> Bool {
        let now = Date()
        return try await write { db, _ in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT attempts, subscription_id FROM webhook_deliveries WHERE id = ? AND lease_token = ? AND status = 'pending'",
                    arguments: [params.deliveryID, params.leaseToken])
            else { return false }
            let attempts = WebhookAttempt.encode(WebhookAttempt.decode(row[0]) + [params.attempt])
            let subscriptionID: String? = row[1]
            let status: String
            var next: Double?
            var error: String?
            switch params.outcome {
            case .delivered:
                status = "delivered"
            case .retry(let delay):
                status = "pending"
                next = now.addingTimeInterval(delay.seconds).sqlite
            case .failed(let reason, let disable):
                status = "failed"
                error = reason
                if disable, let subscriptionID {
                    try db.execute(sql: "UPDATE webhook_subscriptions SET is_active = 0 WHERE id = ?", arguments: [subscriptionID])
                }
            }
            try db.execute(
                sql: """
                    UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, error = ?, lease_token = NULL,
                        lease_expires_at = NULL, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [status, attempts, next, error, now.sqlite, params.deliveryID])
            return true
        }
    }

    public func webhookDeliveryList(tenantID: String, taskID: String) async throws -> [WebhookDelivery] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(SQLiteStore.deliveryColumns) FROM webhook_deliveries d WHERE d.tenant_id = ? AND d.task_id = ? ORDER BY d.seq",
                arguments: [tenantID, taskID]
            ).map(SQLiteStore.delivery)
        }
    }
}
