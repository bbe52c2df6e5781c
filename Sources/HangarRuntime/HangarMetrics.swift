import Foundation
public import HangarCore
public import HangarStore
import Metrics
public import Prometheus
import Synchronization

/// Hangar's Prometheus metrics, in one registry per instance.
///
/// A process uses `HangarMetrics.shared` (whose registry is also bootstrapped into swift-metrics'
/// `MetricsSystem` by `bootstrapMetricsSystem()`, so libraries instrumented with swift-metrics
/// land in the same scrape); tests make their own instance, so every test reads a registry of
/// its own. Names are the constants in `Name`: features that record metrics elsewhere
/// (webhooks, WebSockets) use the methods below. Do not record these names through swift-metrics'
/// `Counter(label:)`: the registry would see the same family without its HELP text and stop the
/// process (swift-prometheus requires one HELP text per family).
public struct HangarMetrics: Sendable {
    /// Every metric Hangar exports (docs/observability.md).
    public enum Name {
        public static let agentTasks = "agent_tasks_total"
        public static let apiRequests = "api_requests_total"
        public static let apiRequestDuration = "api_request_duration_seconds"
        public static let taskDuration = "task_duration_seconds"
        public static let queueDepth = "queue_depth"
        public static let tasksRunning = "tasks_running"
        public static let workerSlots = "worker_slots"
        public static let leaseExpiries = "task_lease_expiries_total"
        public static let taskRetries = "task_retries_total"
        public static let providerRequestDuration = "provider_request_duration_seconds"
        public static let providerTokens = "provider_tokens_total"
        public static let webhookDeliveries = "webhook_deliveries_total"
        public static let websocketConnections = "websocket_connections"
        public static let eventStreams = "event_streams"
        public static let taskEventFeeds = "task_event_feeds"
        public static let storageFaults = "storage_fault_episodes_total"
        public static let storageFaultActive = "storage_fault_active"
        public static let blobFaults = "blob_fault_episodes_total"
        public static let blobFaultActive = "blob_fault_active"
        public static let botMessages = "bot_messages_received_total"
        public static let botReplies = "bot_replies_sent_total"
        public static let botReplyLatency = "bot_reply_latency_seconds"
        public static let botPlatformErrors = "bot_platform_errors_total"

        /// Seed 000's series, under the names its dashboards and autoscaler rules query.
        public enum Seed000 {
            public static let activeAgents = "neko_active_agents_total"
            public static let taskDuration = "neko_task_duration_seconds"
            public static let queueSize = "neko_task_queue_size"
            /// Its KEDA/HPA rule's name for the same figure.
            public static let queueLength = "task_queue_length"
            public static let gpuUtilization = "neko_gpu_utilization_percent"
            public static let apiRequests = "neko_api_requests_total"
            public static let ttsRequests = "neko_tts_requests_total"
            public static let captureEpisodes = "neko_capture_episodes_total"
        }
    }

    public let registry: PrometheusCollectorRegistry
    /// Priorities whose queue depth was ever exported, so a drained priority reads 0 rather
    /// than keeping its last value.
    private let seenPriorities = SharedSet()
    /// Agents with `agent_tasks_total` series, bounded (HangarMetrics+Agents.swift).
    let agentSeries: AgentSeries

    /// `agentSeriesLimit`: most agents whose task counts this process exports at once.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), agentSeriesLimit: Int = 1000) {
        self.registry = registry
        agentSeries = AgentSeries(limit: agentSeriesLimit)
        declare()
    }

    /// The process's metrics (`hangar serve`, `hangar worker`).
    public static let shared = HangarMetrics()

    private static let bootstrapped = Mutex(false)

    /// Makes `shared`'s registry the destination of swift-metrics (`MetricsSystem`) for this
    /// process. Safe to call more than once; only the first call bootstraps.
    public static func bootstrapMetricsSystem() {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        if first { MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: shared.registry)) }
    }

    /// The exposition text (format 0.0.4).
    public func render() -> String {
        let text = registry.emitToString()
        return text + Self.alias(Name.apiRequests, as: Name.Seed000.apiRequests, in: text)
    }

    /// `family`'s lines again under `alias` (with the alias's HELP text): one count, two names,
    /// copied at scrape rather than counted twice on every request.
    static func alias(_ family: String, as alias: String, in text: String) -> String {
        var copied = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# HELP \(family) ") {
                copied += "# HELP \(alias) \(help[alias] ?? alias)\n"
            } else if line.hasPrefix("# TYPE \(family) ") {
                copied += "# TYPE \(alias)" + line.dropFirst("# TYPE \(family)".count) + "\n"
            } else if line.hasPrefix(family + "{") || line.hasPrefix(family + " ") {
                copied += alias + line.dropFirst(family.count) + "\n"
            }
        }
        return copied
    }

    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    // MARK: Buckets

    static let requestBuckets: [Duration] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10].map { .seconds(fractional: $0) }
    static let taskBuckets: [Duration] = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600].map { .seconds(fractional: $0) }
    static let providerBuckets: [Duration] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120].map { .seconds(fractional: $0) }

    // MARK: Descriptors

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    static let help: [String: String] = [
        Name.agentTasks: "Total number of agent tasks that reached a final status",
        Name.apiRequests: "Total API requests",
        Name.apiRequestDuration: "Time from request to response head, by route pattern",
        Name.taskDuration: "Duration of task attempts that reached a final status, by agent kind",
        Name.queueDepth: "Queued tasks by priority (read from the store at scrape)",
        Name.tasksRunning: "Tasks running in all workers (read from the store at scrape)",
        Name.workerSlots: "This process's worker slots, busy or free",
        Name.leaseExpiries: "Running tasks requeued or ended because their worker stopped renewing the lease",
        Name.taskRetries: "Failed attempts that were queued again for another try",
        Name.providerRequestDuration: "Duration of model provider calls",
        Name.providerTokens: "Tokens used in model provider calls, by kind (prompt or completion)",
        Name.webhookDeliveries: "Webhook delivery attempts by outcome",
        Name.websocketConnections: "Open WebSocket connections by endpoint",
        Name.eventStreams: "Open server-sent event streams by endpoint",
        Name.taskEventFeeds: "Tasks whose events this process fans out to WebSocket watchers (one reader each)",
        Name.storageFaults: "Storage fault episodes (disk full, read-only, locked, unreachable) by kind: one per episode, not per request",
        Name.storageFaultActive: "1 while a storage fault of this kind lasts (the API answers 507/503 and /ready is not ready)",
        Name.blobFaults: "Blob store fault episodes (disk_full, read_only, S3 unavailable or timeout) by kind: one per episode, not per failed write",
        Name.blobFaultActive: "1 while a blob store fault of this kind lasts (screenshots and capture archives are not written)",
        Name.botMessages: "User messages a bot agent accepted from its chat platform (duplicate deliveries not counted)",
        Name.botReplies: "Messages a bot agent sent to its chat platform (a long reply split in several counts each)",
        Name.botReplyLatency: "From the update reaching the webhook to the bot's reply accepted by the platform",
        Name.botPlatformErrors: "Calls to a bot's chat platform that failed, by kind (unauthorized, rejected, unavailable)",
        Name.Seed000.activeAgents: "Agent instances at work: tasks running in all workers (seed 000's name)",
        Name.Seed000.taskDuration: "Duration of task attempts that reached a final status, by task_type (the agent kind; seed 000's name)",
        Name.Seed000.queueSize: "Tasks waiting in the queue, all priorities (seed 000's name)",
        Name.Seed000.queueLength: "Tasks waiting in the queue, all priorities (seed 000's autoscaler rule)",
        Name.Seed000.gpuUtilization: "GPU utilisation by device index, from nvidia-smi at scrape (seed 000's name; Hangar does not attribute a GPU to an agent)",
        Name.Seed000.apiRequests: "Total API requests (seed 000's name for api_requests_total, copied at scrape)",
        Name.Seed000.ttsRequests: "Speech requests and streaming sessions accepted, by kind (seed 000's name)",
        Name.Seed000.captureEpisodes: "Capture episodes started, by the API or by tasks (seed 000's name)",
    ]

    func counter(_ name: String, _ labels: [(String, String)] = []) -> Prometheus.Counter {
        registry.makeCounter(descriptor: Self.descriptor(name, Self.help[name] ?? name), labels: labels)
    }

    func agentTaskCounter(agentID: String, status: TaskStatus) -> Prometheus.Counter {
        counter(Name.agentTasks, [("agent_id", agentID), ("status", status.rawValue)])
    }

    private func gauge(_ name: String, _ labels: [(String, String)] = []) -> Prometheus.Gauge {
        registry.makeGauge(descriptor: Self.descriptor(name, Self.help[name] ?? name), labels: labels)
    }

    func histogram(_ name: String, _ labels: [(String, String)], _ buckets: [Duration]) -> DurationHistogram {
        registry.makeDurationHistogram(descriptor: Self.descriptor(name, Self.help[name] ?? name), labels: labels, buckets: buckets)
    }

    /// Series that exist before anything happened, so a scrape shows every family at once.
    private func declare() {
        _ = gauge(Name.Seed000.activeAgents)
        _ = gauge(Name.Seed000.queueSize)
        _ = gauge(Name.Seed000.queueLength)
        _ = counter(Name.Seed000.ttsRequests, [("kind", "request")])
        _ = counter(Name.Seed000.ttsRequests, [("kind", "session")])
        _ = counter(Name.Seed000.captureEpisodes)
        _ = counter(Name.leaseExpiries)
        _ = counter(Name.taskRetries)
        _ = gauge(Name.tasksRunning)
        _ = gauge(Name.workerSlots, [("state", "busy")])
        _ = gauge(Name.workerSlots, [("state", "free")])
        for kind in StoreFault.Kind.allCases {
            _ = counter(Name.storageFaults, [("kind", kind.rawValue)])
            _ = gauge(Name.storageFaultActive, [("kind", kind.rawValue)])
        }
    }

    // MARK: Recording

    /// A task reached a final status after an attempt of `duration`.
    public func taskFinished(agentID: String, agentKind: String, status: TaskStatus, duration: Duration) {
        countAgentTask(agentID: agentID, status: status)
        histogram(Name.taskDuration, [("agent_kind", agentKind), ("status", status.rawValue)], Self.taskBuckets).record(duration)
        histogram(Name.Seed000.taskDuration, [("task_type", agentKind)], Self.taskBuckets).record(duration)
    }

    /// A task reached a final status without an attempt finishing here (lease rescue).
    public func taskEnded(agentID: String, status: TaskStatus) {
        countAgentTask(agentID: agentID, status: status)
    }

    public func taskRetried() { counter(Name.taskRetries).increment() }

    public func leasesExpired(_ count: Int) {
        guard count > 0 else { return }
        counter(Name.leaseExpiries).increment(by: Int64(count))
    }

    /// `endpoint`: the route pattern (`/api/v1/tasks/{task_id}`), never the raw path.
    public func apiRequest(method: String, endpoint: String, statusCode: Int, duration: Duration) {
        let labels = [("method", method), ("endpoint", endpoint), ("status_code", String(statusCode))]
        counter(Name.apiRequests, labels).increment()
        histogram(Name.apiRequestDuration, [("method", method), ("endpoint", endpoint)], Self.requestBuckets).record(duration)
    }

    public func workerSlots(busy: Int, free: Int) {
        gauge(Name.workerSlots, [("state", "busy")]).set(Double(busy))
        gauge(Name.workerSlots, [("state", "free")]).set(Double(free))
    }

    /// Queue depth and running tasks from the store's counts (all tenants).
    public func updateQueue(_ counts: TaskCounts) {
        let priorities = seenPriorities.insert(counts.queuedByPriority.keys)
        for priority in priorities {
            gauge(Name.queueDepth, [("priority", String(priority))]).set(Double(counts.queuedByPriority[priority] ?? 0))
        }
        let running = Double(counts.byStatus[.running] ?? 0)
        gauge(Name.tasksRunning).set(running)
        gauge(Name.Seed000.activeAgents).set(running)
        let queued = Double(counts.queuedByPriority.values.reduce(0, +))
        gauge(Name.Seed000.queueSize).set(queued)
        gauge(Name.Seed000.queueLength).set(queued)
    }

    /// A speech request or streaming session was accepted (`kind`: `request` or `session`).
    public func ttsAccepted(kind: String) {
        counter(Name.Seed000.ttsRequests, [("kind", kind)]).increment()
    }

    public func captureEpisodeStarted() {
        counter(Name.Seed000.captureEpisodes).increment()
    }

    /// Utilisation per GPU index, as read at scrape; a GPU that disappeared keeps its last value.
    public func gpuUtilization(_ percentByIndex: [(index: String, percent: Double)]) {
        for gpu in percentByIndex {
            gauge(Name.Seed000.gpuUtilization, [("gpu", gpu.index)]).set(gpu.percent)
        }
    }

    public func providerRequest(provider: String, duration: Duration, promptTokens: Int, completionTokens: Int) {
        histogram(Name.providerRequestDuration, [("provider", provider)], Self.providerBuckets).record(duration)
        counter(Name.providerTokens, [("provider", provider), ("kind", "prompt")]).increment(by: Int64(promptTokens))
        counter(Name.providerTokens, [("provider", provider), ("kind", "completion")]).increment(by: Int64(completionTokens))
    }

    /// A blob store fault episode began (`active: true`) or ended. Kinds as
    /// `BlobStoreFault.Kind` names them (HangarBlobs is not a dependency here).
    public func blobFault(kind: String, active: Bool) {
        if active { counter(Name.blobFaults, [("kind", kind)]).increment() }
        gauge(Name.blobFaultActive, [("kind", kind)]).set(to: Double(active ? 1 : 0))
    }

    /// A storage fault episode began (`active: true`) or ended.
    public func storageFault(kind: String, active: Bool) {
        if active { counter(Name.storageFaults, [("kind", kind)]).increment() }
        gauge(Name.storageFaultActive, [("kind", kind)]).set(to: Double(active ? 1 : 0))
    }

    /// For the webhook outbox: `outcome` is e.g. `success`, `failure`, `gave_up`.
    public func webhookDelivery(outcome: String) {
        counter(Name.webhookDeliveries, [("outcome", outcome)]).increment()
    }

    /// For WebSocket routes: call with +1 when a connection opens and -1 when it closes.
    public func websocketConnections(endpoint: String, change: Int) {
        gauge(Name.websocketConnections, [("endpoint", endpoint)]).increment(by: Double(change))
    }

    /// The live task hub's size: tasks being watched over WebSockets in this process.
    public func taskEventFeeds(_ count: Int) {
        gauge(Name.taskEventFeeds).set(Double(count))
    }

    /// For server-sent event routes: +1 when a stream opens, -1 when it ends.
    public func eventStreams(endpoint: String, change: Int) {
        gauge(Name.eventStreams, [("endpoint", endpoint)]).increment(by: Double(change))
    }
}

/// A set of priorities shared by copies of one `HangarMetrics`.
private final class SharedSet: Sendable {
    private let values = Mutex<Set<Int>>([])

    func insert(_ new: some Sequence<Int>) -> Set<Int> {
        values.withLock { set in
            set.formUnion(new)
            return set
        }
    }
}
