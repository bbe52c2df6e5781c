import Foundation
import HangarCore
@testable import HangarServer
import HangarStore
import HangarTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

/// Seed 000's requests as the seed writes them (`../shared/seeds/000_*.txt`, "Request/Response
/// Format"), checked against the fields its client reads. A change that breaks a client written
/// from that seed fails here.
@Suite("Seed 000 replay")
struct Seed000ReplayTests {
    /// `POST /api/v1/tasks`, verbatim from the seed (no `agent_id`).
    static let automationTask: JSONValue = [
        "task": "Search for Python tutorials on YouTube",
        "mode": "web",
        "max_steps": 10,
        "timeout": 300,
        "callback_url": "https://app.example.com/webhook",
        "options": [
            "screen_resolution": "1920x1080",
            "save_screenshots": true,
            "refinement_steps": 5,
            "enable_capture": true,
            "enable_tts": true,
            "voice_id": "default",
        ],
    ]

    @Test("a task without agent_id goes to the default browser agent, created on first use; the answer has the seed's fields",
          arguments: TestBackend.allCases)
    func taskWithoutAgent(_ backend: TestBackend) async throws {
        try await withAPI(backend, workers: false, configure: { $0.defaultBrowserModel = "mock/echo" }) { client, store in
            let before = Date()
            let first = try await client.send(.post, "/api/v1/tasks", json: Self.automationTask)
            #expect(first.status == .created, "\(first.text)")
            #expect(first.json["status"] == "queued")
            #expect(first.json["task_id"]?.stringValue?.isEmpty == false)
            let created = try #require(first.json["created_at"]?.stringValue.flatMap(Timestamp.parse))
            let estimate = try #require(first.json["estimated_completion"]?.stringValue.flatMap(Timestamp.parse))
            // No history for the new agent: the timeout (300 s) is the estimate of one run.
            #expect(estimate.timeIntervalSince(before) >= 299 && estimate.timeIntervalSince(created) <= 301 + 300, "\(estimate) vs \(created)")

            let agents = try await store.agentList(AgentListParams(tenantID: Tenant.defaultID))
            #expect(agents.count == 1)
            let agent = try #require(agents.first)
            #expect(agent.name == "browser")
            #expect(agent.kind == "browser")
            #expect(agent.model == "mock/echo")
            #expect(first.json["agent_id"] == .string(agent.id))

            // The second task finds the agent; no second one is made.
            let second = try await client.send(.post, "/api/v1/tasks", json: Self.automationTask)
            #expect(second.status == .created)
            #expect(second.json["agent_id"] == .string(agent.id))
            #expect(try await store.agentList(AgentListParams(tenantID: Tenant.defaultID)).count == 1)
        }
    }

    @Test("with no default browser model and no agent named browser, the task is refused naming agent_id and both ways out; nothing is queued or created")
    func noDefaultAgent() async throws {
        try await withAPI(workers: false) { client, store in
            let refused = try await client.send(.post, "/api/v1/tasks", json: Self.automationTask)
            #expect(refused.status == .unprocessableContent)
            let detail = try #require(refused.json["detail"]?.stringValue)
            #expect(detail.hasPrefix("agent_id: is required"), "\(detail)")
            #expect(detail.contains("HANGAR_DEFAULT_BROWSER_MODEL") && detail.contains("POST /api/v1/agents"), "\(detail)")
            #expect(try await store.taskList(TaskListParams(tenantID: Tenant.defaultID)).isEmpty)
            #expect(try await store.agentList(AgentListParams(tenantID: Tenant.defaultID)).isEmpty)

            // An operator's agent of that name is used as it is (made in the store: this test
            // server runs no browser executor).
            let made = try await store.agentInsert(AgentInsertParams(tenantID: Tenant.defaultID, name: "browser", kind: "browser", model: "mock/echo"))
            let accepted = try await client.send(.post, "/api/v1/tasks", json: Self.automationTask)
            #expect(accepted.status == .created)
            #expect(accepted.json["agent_id"] == .string(made.id))
        }
    }

    @Test("the default agent's name is a setting; a default model no provider serves is refused naming it; seed 004's input still needs agent_id")
    func settingsAndRefusals() async throws {
        try await withAPI(workers: false, configure: { $0.defaultBrowserAgent = "web"; $0.defaultBrowserModel = "nowhere/model" }) { client, store in
            let refused = try await client.send(.post, "/api/v1/tasks", json: Self.automationTask)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.json["detail"]?.stringValue?.contains("HANGAR_DEFAULT_BROWSER_MODEL") == true, "\(refused.json)")

            _ = try await store.agentInsert(AgentInsertParams(tenantID: Tenant.defaultID, name: "web", kind: "browser", model: "mock/echo"))
            let accepted = try await client.send(.post, "/api/v1/tasks", json: Self.automationTask)
            #expect(accepted.status == .created, "\(accepted.text)")

            let noAgent = try await client.send(.post, "/api/v1/tasks", json: ["input": ["prompt": "hi"]])
            #expect(noAgent.status == .unprocessableContent)
            #expect(noAgent.json["detail"]?.stringValue?.hasPrefix("agent_id: is required") == true, "\(noAgent.json)")
            #expect(try await store.taskList(TaskListParams(tenantID: Tenant.defaultID)).count == 1)
        }
    }

    @Test("the estimate follows the agent's recent run times and the queue ahead", arguments: TestBackend.allCases)
    func estimateFromHistory(_ backend: TestBackend) async throws {
        try await withAPI(backend) { client, store in
            let agent = try await client.agent(["name": "echo"])
            let agentID = try #require(agent["id"]?.stringValue)
            for _ in 0..<3 {
                let task = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "x"], "timeout": 600])
                _ = try await client.finished(try #require(task.json["id"]?.stringValue))
            }
            let durations = try await store.taskRecentDurations(agentID: agentID, limit: 20)
            #expect(durations.count == 3)
            #expect(durations.allSatisfy { $0 >= 0 && $0 < 10 })

            // A mock run takes milliseconds, so the estimate is near, not the 600 s timeout
            // (once "no history yet", remembered for a second, has expired).
            try await Task.sleep(for: .milliseconds(1100))
            let next = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "x"], "timeout": 600])
            let estimate = try #require(next.json["estimated_completion"]?.stringValue.flatMap(Timestamp.parse))
            #expect(estimate.timeIntervalSinceNow < 60, "\(estimate)")

        }
    }

    @Test("queued tasks ahead lengthen the estimate: one run per wave of running capacity")
    func estimateFromQueue() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let agent = try await store.agentInsert(AgentInsertParams(tenantID: Tenant.defaultID, name: "idle", kind: "llm", model: "mock/echo"))
            var tasks: [TaskRecord] = []
            for priority in [5, 5, 9] {
                tasks.append(
                    try await store.taskInsert(
                        TaskInsertParams(tenantID: Tenant.defaultID, agentID: agent.id, priority: priority, input: ["prompt": "x"], timeoutSeconds: 100)
                    ).task)
            }
            let estimator = CompletionEstimator(store: store, queueTTL: .zero, agentTTL: .zero)
            let now = Date()
            func seconds(_ task: TaskRecord) async throws -> Double {
                try #require(try await estimator.estimate(task, now: now)).timeIntervalSince(now)
            }
            // The high-priority task waits for nobody; a normal one waits behind the other
            // normal one and the high one (no task running: capacity counts as one).
            #expect(abs(try await seconds(tasks[2]) - 100) < 0.01)
            #expect(abs(try await seconds(tasks[1]) - 300) < 0.01)
        }
    }
}
