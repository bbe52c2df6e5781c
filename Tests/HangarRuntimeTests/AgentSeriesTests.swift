import HangarCore
import HangarRuntime
import Testing

/// `agent_tasks_total` is labelled by agent id: its series must not grow with every agent ever seen.
@Suite("Metrics: per-agent series are bounded and dropped with their agent")
struct AgentSeriesTests {
    private func agents(in metrics: HangarMetrics) -> Set<String> {
        let lines = metrics.render().split(separator: "\n").filter { $0.hasPrefix("agent_tasks_total{") }
        return Set(lines.compactMap { line in
            line.split(separator: "\"").dropFirst().first.map(String.init)
        })
    }

    @Test("a deleted agent's series leave the scrape")
    func deleted() {
        let metrics = HangarMetrics()
        metrics.taskFinished(agentID: "agt_a", agentKind: "mock", status: .completed, duration: .milliseconds(5))
        metrics.taskEnded(agentID: "agt_a", status: .failed)
        metrics.taskFinished(agentID: "agt_b", agentKind: "mock", status: .completed, duration: .milliseconds(5))
        #expect(agents(in: metrics) == ["agt_a", "agt_b"])
        metrics.agentDeleted("agt_a")
        #expect(agents(in: metrics) == ["agt_b"])
        #expect(metrics.agentSeriesCount == 1)
        metrics.agentDeleted("agt_unknown")
        #expect(agents(in: metrics) == ["agt_b"])
    }

    @Test("beyond the cap the least recently counted agent's series go")
    func capped() {
        let metrics = HangarMetrics(agentSeriesLimit: 3)
        for index in 0..<50 {
            metrics.taskFinished(agentID: "agt_\(index)", agentKind: "mock", status: .completed, duration: .milliseconds(1))
            // agt_0 stays busy, so it is never the one dropped.
            metrics.taskEnded(agentID: "agt_0", status: .cancelled)
        }
        #expect(agents(in: metrics) == ["agt_0", "agt_48", "agt_49"])
        #expect(metrics.agentSeriesCount == 3)
    }
}
