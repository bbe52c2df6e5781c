import Foundation
public import HangarCore

/// The storage contract. SQLite and PostgreSQL implement it; the runtime and the HTTP
/// layer see nothing else. Every method is one transaction: a call that returns has
/// committed, and a call that throws has changed nothing.
///
/// Names are noun-then-verb with a parameter struct (`taskClaim(_:)`), as River does, so
/// the contract is easy to scan and to extend without breaking callers.
public protocol HangarStore: StoreHealth {
    /// Wake-ups: work available, cancellation requested, new events.
    var notifier: any QueueNotifier { get }

    /// Applies pending migrations. Safe to call from many processes at once.
    func migrate() async throws
    /// Cheap round trip, for readiness.
    func ping() async throws
    func close() async throws

    // MARK: Tenants

    /// Creates the tenant if it does not exist (fairness and quotas are per tenant).
    func tenantUpsert(id: String, name: String) async throws
    func tenantList() async throws -> [TenantRecord]

    // MARK: API keys and audit

    func apiKeyInsert(_ key: APIKey) async throws
    /// By id, revoked or not (the caller checks), in any tenant: authentication needs it.
    func apiKeyGet(id: String) async throws -> APIKey?
    func apiKeyList(tenantID: String?) async throws -> [APIKey]
    /// Returns `false` when no such live key exists in the tenant.
    func apiKeyRevoke(tenantID: String, id: String) async throws -> Bool
    func apiKeyTouch(id: String, at: Date) async throws
    func apiKeyCount() async throws -> Int
    func auditAppend(_ entry: AuditEntry) async throws
    func auditList(tenantID: String, action: String?, limit: Int, offset: Int) async throws -> [AuditEntry]

    // MARK: Quotas and rate limits (shared by every process on the database)

    func quotaGet(tenantID: String) async throws -> TenantQuota
    /// Sets the limits; `tokensUsed` is the store's own count and is left as it is.
    func quotaSet(_ quota: TenantQuota) async throws
    /// Starts the tenant's token budget afresh.
    func quotaTokensReset(tenantID: String) async throws
    /// Tasks the tenant submitted since `since` (for the per-hour quota).
    func taskCountSince(tenantID: String, since: Date) async throws -> Int
    func agentCount(tenantID: String) async throws -> Int
    /// Takes one token from the bucket `key` (capacity, refilled continuously), atomically.
    func rateLimitTake(key: String, capacity: Double, refillPerSecond: Double) async throws -> RateLimitDecision
    /// Deletes buckets untouched since `idleSince` (a bucket idle for its whole period is full, the
    /// same as no row), so the table holds recent callers only; returns how many went.
    func rateLimitPrune(idleSince: Date) async throws -> Int

    // MARK: Security incidents

    func incidentInsert(_ incident: SecurityIncident) async throws
    /// Newest first, with the number of incidents matching the filter (for paging).
    func incidentList(_ params: IncidentListParams) async throws -> (incidents: [SecurityIncident], total: Int)
    /// Marks the incident resolved; `nil` when the tenant has no such incident.
    /// Resolving twice keeps the first resolution.
    func incidentResolve(tenantID: String, id: String, by actor: String, notes: String?) async throws -> SecurityIncident?
    /// Deletes up to `limit` incidents created before `before` (retention); returns how many.
    func incidentDeleteOld(before: Date, limit: Int) async throws -> Int

    // MARK: Secrets (values arrive and leave encrypted; see HangarAuth.SecretBox)

    /// `conflict` when the agent already has an active secret with that key.
    func secretInsert(_ secret: AgentSecret) async throws
    /// Active secrets of an agent, or (agentID nil) every secret of every tenant, for key rotation.
    func secretList(tenantID: String?, agentID: String?) async throws -> [AgentSecret]
    func secretGet(tenantID: String, agentID: String, idOrKey: String) async throws -> AgentSecret?
    /// Replaces ciphertext and/or description; `nil` leaves a field unchanged.
    func secretUpdate(id: String, ciphertext: String?, keyID: String?, description: String??) async throws
    /// Soft delete: the row stays, inactive.
    func secretDeactivate(tenantID: String, id: String) async throws -> Bool

    // MARK: Agents

    func agentInsert(_ params: AgentInsertParams) async throws -> Agent
    /// By id, or by unique name within the tenant.
    func agentGet(tenantID: String, idOrName: String) async throws -> Agent?
    func agentList(_ params: AgentListParams) async throws -> [Agent]
    func agentUpdate(_ params: AgentUpdateParams) async throws -> Agent
    /// Soft-deletes the agent, cancels its queued tasks and asks its running ones to stop.
    func agentDelete(tenantID: String, id: String) async throws

    // MARK: Usage (tokens and cost of model calls; budgets read it)

    func usageAppend(_ record: UsageRecord) async throws
    /// Usage since `since`, summed per UTC day and model, oldest day first (models by name
    /// within a day). `agentID` nil: the whole tenant. `since` is a UTC midnight: usage folded
    /// by `usageCompact` counts per whole day.
    func usageDaily(tenantID: String, agentID: String?, since: Date) async throws -> [UsageDay]
    /// USD spent over all time. `agentID` nil: the whole tenant.
    func usageCost(tenantID: String, agentID: String?) async throws -> Double
    /// Folds up to `limit` of the oldest usage records created before `before` into per-day
    /// totals, which `usageDaily` and `usageCost` keep counting, and deletes them (retention).
    /// Returns how many records were folded.
    func usageCompact(before: Date, limit: Int) async throws -> Int

    // MARK: Chat sessions

    func chatSessionInsert(_ params: ChatSessionInsertParams) async throws -> ChatSessionRecord
    func chatSessionGet(tenantID: String, id: String) async throws -> ChatSessionRecord?
    /// Newest first, with the number matching the filter (for paging).
    func chatSessionList(_ params: ChatSessionListParams) async throws -> (sessions: [ChatSessionRecord], total: Int)
    /// `nil` when the tenant has no such session.
    func chatSessionUpdateStatus(tenantID: String, id: String, status: ChatSessionRecord.Status) async throws -> ChatSessionRecord?
    /// Deletes the session and its messages; `false` when the tenant has no such session.
    func chatSessionDelete(tenantID: String, id: String) async throws -> Bool
    /// Numbers and stores one message. `notFound` without the session; `conflict` when
    /// `requireActive` is set and the session is not active.
    func chatMessageAppend(_ params: ChatMessageAppendParams) async throws -> ChatMessageRecord
    func chatMessageList(_ params: ChatMessageListParams) async throws -> [ChatMessageRecord]

    // MARK: Tasks

    /// Commits a queued task (and its first event). With an idempotency key that already
    /// exists for the tenant, returns the existing task and `inserted == false`.
    func taskInsert(_ params: TaskInsertParams) async throws -> TaskInsertResult
    func taskGet(tenantID: String?, id: String) async throws -> TaskRecord?
    func taskGetByIdempotencyKey(tenantID: String, key: String) async throws -> TaskRecord?
    func taskList(_ params: TaskListParams) async throws -> [TaskRecord]
    /// Changes priority / timeout / max attempts while the task is queued; `conflict` after.
    func taskUpdateQueued(_ params: TaskUpdateParams) async throws -> TaskRecord
    /// Queued → `cancelled` at once. Running → `cancel_requested`, and the holder is told.
    /// Final → unchanged.
    func taskCancel(tenantID: String, id: String, reason: String) async throws -> TaskRecord

    /// Claims up to `limit` runnable tasks for a worker under every claim-time limit, each
    /// with a fresh lease. Exclusive across processes.
    func taskClaim(_ params: TaskClaimParams) async throws -> TaskClaimResult
    /// Renews the leases the worker still holds; reports lost leases and cancel requests.
    func taskHeartbeat(_ params: TaskHeartbeatParams) async throws -> [LeaseState]
    /// Records the end of an attempt. Fenced: only the current lease holder succeeds,
    /// anyone else gets `HangarError.leaseLost`.
    func taskFinish(_ params: TaskFinishParams) async throws -> TaskRecord
    /// Returns running tasks whose lease expired to the queue (or ends them when no
    /// attempts remain, or when cancel was requested). Returns the affected ids.
    func taskRescueExpired(_ params: TaskRescueParams) async throws -> [String]
    /// Deletes finished tasks (and their events) that ended before `before`.
    func taskDeleteFinished(before: Date, limit: Int) async throws -> Int
    func taskCounts(tenantID: String?) async throws -> TaskCounts

    // MARK: Events

    /// Appends events to a task's log, numbering them. With a lease token, only the lease
    /// holder may append (a zombie worker gets `leaseLost`).
    func eventAppend(_ params: EventAppendParams) async throws -> [TaskEvent]
    func eventList(taskID: String, afterSeq: Int64, limit: Int) async throws -> [TaskEvent]
    /// The tenant's events of the given types matching the filters, newest first.
    func eventSearch(_ params: EventSearchParams) async throws -> [EventHit]

    // MARK: Webhooks (the outbox: a task's final status writes its deliveries in the same
    // transaction, for its `callback_url` and each matching subscription of its tenant)

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
