import HangarCore
import Prometheus

/// Bot agents' series (issue 16), labelled by agent and platform. A bot's series go when it
/// is deleted in this process (`botDeleted`), like `agent_tasks_total`'s.
extension HangarMetrics {
    static let botLatencyBuckets: [Duration] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120].map { .seconds(fractional: $0) }
    static let botErrorKinds = ["unauthorized", "rejected", "unavailable"]

    public func botMessageReceived(agentID: String, platform: String) {
        counter(Name.botMessages, [("agent_id", agentID), ("platform", platform)]).increment()
    }

    /// `messages`: what the platform accepted; `latency`: update in → last piece out.
    public func botReplied(agentID: String, platform: String, messages: Int, latency: Duration) {
        counter(Name.botReplies, [("agent_id", agentID), ("platform", platform)]).increment(by: Int64(messages))
        histogram(Name.botReplyLatency, [("agent_id", agentID), ("platform", platform)], Self.botLatencyBuckets).record(latency)
    }

    /// `kind`: `unauthorized`, `rejected` or `unavailable`.
    public func botPlatformError(agentID: String, platform: String, kind: String) {
        counter(Name.botPlatformErrors, [("agent_id", agentID), ("platform", platform), ("kind", kind)]).increment()
    }

    public func botDeleted(agentID: String, platform: String) {
        let labels = [("agent_id", agentID), ("platform", platform)]
        registry.unregisterCounter(counter(Name.botMessages, labels))
        registry.unregisterCounter(counter(Name.botReplies, labels))
        registry.unregisterDurationHistogram(histogram(Name.botReplyLatency, labels, Self.botLatencyBuckets))
        for kind in Self.botErrorKinds {
            registry.unregisterCounter(counter(Name.botPlatformErrors, labels + [("kind", kind)]))
        }
    }
}
