import Foundation
public import HangarCore
public import HangarStore
import PostgresNIO

extension PostgresStore {
    /// The INSERT of a task's outbox rows, for a CTE: `source` names a relation with the task's
    /// `id`, `tenant_id`, `agent_id` and `callback_url`. The event name comes from a fixed set
    /// (never from a caller), so it is written into the SQL.
    static func enqueueSQL(source: String, status: TaskStatus) -> String {
        let event = WebhookEvent.name(for: status)
        let id = "'msg_' || md5(random()::text || clock_timestamp()::text)"
        return """
            INSERT INTO webhook_deliveries (id, tenant_id, task_id, subscription_id, url, event_type, status, attempts,
                next_attempt_at, created_at, updated_at)
            SELECT \(id), src.tenant_id, src.id, NULL, src.callback_url, '\(event)', 'pending', '[]', now(), now(), now()
            FROM \(source) src WHERE src.callback_url IS NOT NULL
            UNION ALL
            SELECT \(id), src.tenant_id, src.id, s.id, s.url, '\(event)', 'pending', '[]', now(), now(), now()
            FROM \(source) src JOIN webhook_subscriptions s ON s.tenant_id = src.tenant_id
            WHERE s.is_active AND strpos(s.events, ',\(event),') > 0 AND (s.agent_id IS NULL OR s.agent_id = src.agent_id)
            RETURNING 1
            """
    }

    /// Writes the outbox rows for a task that just reached `status`, in the caller's transaction.
    func enqueueWebhooks(_ connection: PostgresConnection, taskID: String, status: TaskStatus, signals: inout [QueueSignal]) async throws {
        let count = try await connection.query(
            """
            WITH src AS (SELECT id, tenant_id, agent_id, callback_url FROM tasks WHERE id = \(taskID)),
            hooks AS (\(unescaped: Self.enqueueSQL(source: "src", status: status)))
            SELECT count(*)::bigint FROM hooks
            """, logger: logger
        ).first { try $0.decode(Int.self) } ?? 0
        if count > 0 { signals.append(.webhooksDue) }
    }

    static let deliveryColumns = """
        d.id, d.tenant_id, d.task_id, d.subscription_id, d.url, d.event_type, d.status, d.attempts, d.next_attempt_at,
        d.error, d.created_at, d.updated_at, d.task_attempt
        """

    /// Positional: the order of `deliveryColumns` (a query may add columns after them).
    static func delivery(_ row: PostgresRow) throws -> WebhookDelivery {
        let r = row.makeRandomAccess()
        return WebhookDelivery(
            id: try r[0].decode(String.self), tenantID: try r[1].decode(String.self), taskID: try r[2].decode(String.self),
            subscriptionID: try r[3].decode(String?.self), url: try r[4].decode(String.self), eventType: try r[5].decode(String.self),
            status: WebhookDelivery.Status(rawValue: try r[6].decode(String.self)) ?? .failed,
            attempts: WebhookAttempt.decode(try r[7].decode(String.self)), nextAttemptAt: try r[8].decode(Date?.self),
            error: try r[9].decode(String?.self), createdAt: try r[10].decode(Date.self), updatedAt: try r[11].decode(Date.self),
            taskAttempt: try r[12].decode(Int32?.self).map(Int.init))
    }

    public func webhookSubscriptionInsert(_ subscription: WebhookSubscription) async throws {
        let events = "," + subscription.events.joined(separator: ",") + ","
        _ = try await query(
            """
            INSERT INTO webhook_subscriptions (id, tenant_id, url, events, secret, agent_id, is_active, created_at, headers)
            VALUES (\(subscription.id), \(subscription.tenantID), \(subscription.url), \(events), \(subscription.secret),
                \(subscription.agentID), \(subscription.isActive), \(subscription.createdAt), \(subscription.headers))
            """, logger: logger
        ).collect()
    }

    public func webhookSubscriptionList(tenantID: String) async throws -> [WebhookSubscription] {
        try await query(
            """
            SELECT id, tenant_id, url, events, secret, agent_id, is_active, created_at, headers FROM webhook_subscriptions
            WHERE tenant_id = \(tenantID) ORDER BY seq
            """, logger: logger
        ).all { row in
            let (id, tenant, url, events, secret, agentID, active, created, headers) = try row.decode(
                (String, String, String, String, String, String?, Bool, Date, String?).self)
            return WebhookSubscription(
                id: id, tenantID: tenant, url: url, events: events.split(separator: ",").map(String.init), secret: secret,
                agentID: agentID, isActive: active, createdAt: created, headers: headers)
        }
    }

    public func webhookSubscriptionDelete(tenantID: String, id: String) async throws -> Bool {
        try await transaction { connection, _ in
            let deleted = try await connection.query(
                "DELETE FROM webhook_subscriptions WHERE tenant_id = \(tenantID) AND id = \(id) RETURNING id", logger: self.logger
            ).first { try $0.decode(String.self) }
            guard deleted != nil else { return false }
            try await connection.query(
                """
                UPDATE webhook_deliveries SET status = 'failed', error = 'subscription deleted', next_attempt_at = NULL,
                    lease_token = NULL, lease_expires_at = NULL, updated_at = now()
                WHERE subscription_id = \(id) AND status = 'pending'
                """, logger: self.logger)
            return true
        }
    }

    public func webhookDeliveryClaim(_ params: WebhookClaimParams) async throws -> WebhookClaimResult {
        let token = Identifier.leaseToken()
        return try await transaction { connection, _ in
            let deliveries = try await connection.query(
                """
                WITH due AS (
                    SELECT id FROM webhook_deliveries
                    WHERE status = 'pending' AND next_attempt_at <= now() AND (lease_expires_at IS NULL OR lease_expires_at < now())
                    ORDER BY next_attempt_at LIMIT \(params.limit) FOR UPDATE SKIP LOCKED
                ), d AS (
                    UPDATE webhook_deliveries w SET lease_token = \(token),
                        lease_expires_at = now() + \(params.leaseDuration.seconds) * interval '1 second'
                    FROM due WHERE w.id = due.id RETURNING w.*
                )
                SELECT \(unescaped: Self.deliveryColumns), s.secret, s.headers FROM d LEFT JOIN webhook_subscriptions s ON s.id = d.subscription_id
                ORDER BY d.next_attempt_at
                """, logger: self.logger
            ).all { row in
                var delivery = try Self.delivery(row)
                let columns = row.makeRandomAccess()
                delivery.secret = try columns[13].decode(String?.self)
                delivery.headers = try columns[14].decode(String?.self)
                delivery.leaseToken = token
                return delivery
            }
            guard deliveries.isEmpty else { return WebhookClaimResult(deliveries: deliveries, nextDueAt: nil) }
            let next = try await connection.query(
                "SELECT min(greatest(next_attempt_at, lease_expires_at)) FROM webhook_deliveries WHERE status = 'pending'", logger: self.logger
            ).first { try $0.decode(Date?.self) } ?? nil
            return WebhookClaimResult(deliveries: [], nextDueAt: next)
        }
    }

    public func webhookDeliveryRecord(_ params: WebhookRecordParams) async throws -> Bool {
        try await transaction { connection, _ in
            guard
                let (attemptsText, subscriptionID) = try await connection.query(
                    """
                    SELECT attempts, subscription_id FROM webhook_deliveries
                    WHERE id = \(params.deliveryID) AND lease_token = \(params.leaseToken) AND status = 'pending' FOR UPDATE
                    """, logger: self.logger
                ).first({ try $0.decode((String, String?).self) })
            else { return false }
            let attempts = WebhookAttempt.encode(WebhookAttempt.decode(attemptsText) + [params.attempt])
            let status: String
            var delay: Double?
            var error: String?
            switch params.outcome {
            case .delivered:
                status = "delivered"
            case .retry(let after):
                status = "pending"
                delay = after.seconds
            case .failed(let reason, let disable):
                status = "failed"
                error = reason
                if disable, let subscriptionID {
                    try await connection.query(
                        "UPDATE webhook_subscriptions SET is_active = false WHERE id = \(subscriptionID)", logger: self.logger)
                }
            }
            try await connection.query(
                """
                UPDATE webhook_deliveries SET status = \(status), attempts = \(attempts),
                    next_attempt_at = now() + \(delay)::float8 * interval '1 second', error = \(error),
                    lease_token = NULL, lease_expires_at = NULL, updated_at = now()
                WHERE id = \(params.deliveryID)
                """, logger: self.logger)
            return true
        }
    }

    public func webhookDeliveryList(tenantID: String, taskID: String) async throws -> [WebhookDelivery] {
        try await query(
            """
            SELECT \(unescaped: Self.deliveryColumns) FROM webhook_deliveries d
            WHERE d.tenant_id = \(tenantID) AND d.task_id = \(taskID) ORDER BY d.seq
            """, logger: logger
        ).all(Self.delivery)
    }
}
