import HangarWebhooks
import Foundation
import HangarAuth
import HangarCore
import HangarStore
import Hummingbird
import NIOPosix

/// Webhook subscriptions (seed 004 Phase 5) and the delivery log of a task. Subscriptions are
/// per tenant; their secrets are shown once, in the answer to the subscribe call.
struct WebhookController {
    let store: any AgentStore & TaskStore & WebhookStore & AuditStore
    let configuration: ServerConfiguration
    /// Seals subscription secrets at rest, as agent secrets are (docs/webhooks.md).
    let vault: SecretBox

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.post("/api/v1/integration/webhooks/subscribe", use: subscribe)
        router.get("/api/v1/integration/webhooks", use: list)
        router.delete("/api/v1/integration/webhooks/{subscription_id}", use: delete)
        router.get("/api/v1/tasks/{task_id}/deliveries", use: deliveries)
    }

    @Sendable func subscribe(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: ["url", "events", "secret", "agent_id", "headers"])
        guard let url = try body.string("url", maxLength: 2048) else { throw APIError.invalid("url", "is required") }
        try await OutboundURL.require(url, field: "url", configuration: configuration)
        guard case .array(let values)? = body.fields["events"], !values.isEmpty else {
            throw APIError.invalid("events", "must be a non-empty array of event names (\(WebhookEvent.all.joined(separator: ", ")))")
        }
        var events: [String] = []
        for value in values {
            guard let name = value.stringValue, WebhookEvent.all.contains(name) else {
                throw APIError.invalid("events", "names an unknown event; known: \(WebhookEvent.all.joined(separator: ", "))")
            }
            if !events.contains(name) { events.append(name) }
        }
        let secret = try body.string("secret", maxLength: 200) ?? WebhookSignature.generateSecret()
        guard WebhookSignature.isValidSecret(secret) else {
            throw APIError.invalid("secret", "must be 'whsec_' followed by the base64 of 16 to 64 bytes, or any other text of 16 to 200 characters (or omitted: one is generated)")
        }
        var headers: [(name: String, value: String)] = []
        if let value = body.fields["headers"], value != .null {
            switch WebhookHeaders.parse(value) {
            case .success(let parsed): headers = parsed
            case .failure(let problem): throw APIError.invalid(problem.field, problem.message)
            }
        }
        var agentID: String?
        if let reference = try body.string("agent_id", maxLength: 256) {
            guard let agent = try await store.agentGet(tenantID: context.tenantID, idOrName: reference) else {
                throw APIError.notFound("agent", reference)
            }
            agentID = agent.id
        }
        let subscription = WebhookSubscription(
            id: "whsub_" + Identifier.make(), tenantID: context.tenantID, url: url, events: events, secret: try vault.sealText(secret), agentID: agentID,
            headers: headers.isEmpty ? nil : try vault.sealText(WebhookHeaders.encode(headers)))
        try await store.webhookSubscriptionInsert(subscription)
        await AuditLog.record(
            store, context, action: "webhook.subscribe", resourceType: "webhook_subscription", resourceID: subscription.id,
            details: ["url": .string(url)])
        var json = json(subscription)
        if case .object(var fields) = json {
            fields["secret"] = .string(secret)
            json = .object(fields)
        }
        return JSONResponse.make(json, status: .created)
    }

    @Sendable func list(_ request: Request, context: HangarRequestContext) async throws -> Response {
        JSONResponse.make(.array(try await store.webhookSubscriptionList(tenantID: context.tenantID).map(json)))
    }

    @Sendable func delete(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("subscription_id")
        guard try await store.webhookSubscriptionDelete(tenantID: context.tenantID, id: id) else {
            throw APIError.notFound("webhook subscription", id)
        }
        await AuditLog.record(store, context, action: "webhook.delete", resourceType: "webhook_subscription", resourceID: id)
        return JSONResponse.make(["id": .string(id), "deleted": true])
    }

    @Sendable func deliveries(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let taskID = try context.parameters.decoded("task_id")
        guard try await store.taskGet(tenantID: context.tenantID, id: taskID) != nil else { throw APIError.notFound("task", taskID) }
        let deliveries = try await store.webhookDeliveryList(tenantID: context.tenantID, taskID: taskID)
        return JSONResponse.make(["task_id": .string(taskID), "deliveries": .array(deliveries.map(Self.json))])
    }

    /// Never includes the secret, nor the headers' values (they often carry a credential): their names only.
    func json(_ subscription: WebhookSubscription) -> JSONValue {
        let names = subscription.headers.flatMap { try? vault.openText($0) }.map { WebhookHeaders.decode($0).map { JSONValue.string($0.name) } } ?? []
        return .object([
            "headers": .array(names),
            "id": .string(subscription.id),
            "url": .string(subscription.url),
            "events": .array(subscription.events.map(JSONValue.string)),
            "agent_id": subscription.agentID.map(JSONValue.string) ?? .null,
            "is_active": .bool(subscription.isActive),
            "created_at": .string(Timestamp.format(subscription.createdAt)),
        ])
    }

    static func json(_ delivery: WebhookDelivery) -> JSONValue {
        .object([
            "id": .string(delivery.id),
            "task_id": .string(delivery.taskID),
            "subscription_id": delivery.subscriptionID.map(JSONValue.string) ?? .null,
            "target": .string(delivery.subscriptionID == nil ? "callback_url" : "subscription"),
            "url": .string(delivery.url),
            "event_type": .string(delivery.eventType),
            "task_attempt": delivery.taskAttempt.map { JSONValue.int(Int64($0)) } ?? .null,
            "status": .string(delivery.status.rawValue),
            "error": delivery.error.map(JSONValue.string) ?? .null,
            "next_attempt_at": delivery.status == .pending ? delivery.nextAttemptAt.map { JSONValue.string(Timestamp.format($0)) } ?? JSONValue.null : JSONValue.null,
            "created_at": .string(Timestamp.format(delivery.createdAt)),
            "attempts": .array(
                delivery.attempts.map { attempt in
                    .object([
                        "attempt": .int(Int64(attempt.attempt)),
                        "at": .string(Timestamp.format(attempt.at)),
                        "status_code": attempt.statusCode.map { JSONValue.int(Int64($0)) } ?? JSONValue.null,
                        "error": attempt.error.map(JSONValue.string) ?? .null,
                        "duration_ms": .int(Int64(attempt.durationMS)),
                        "response_excerpt": attempt.responseExcerpt.map(JSONValue.string) ?? .null,
                    ])
                }),
        ])
    }
}
