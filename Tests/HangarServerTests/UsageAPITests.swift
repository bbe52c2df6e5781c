import Foundation
import HangarAgents
import HangarCore
import HangarStore
import HangarTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("API: budgets and usage")
struct UsageAPITests {
    @Test("budget_limit is set, changed, cleared and validated on agents")
    func budgetField() async throws {
        try await withAPI(workers: false) { client, _ in
            let created = try await client.agent(["name": "spender", "budget_limit": 2.5])
            #expect(created["budget_limit"] == 2.5)
            let id = try #require(created["id"]?.stringValue)
            #expect(try await client.send(.put, "/api/v1/agents/\(id)", json: ["budget_limit": 10]).json["budget_limit"] == 10)
            #expect(try await client.send(.put, "/api/v1/agents/\(id)", json: ["description": "x"]).json["budget_limit"] == 10, "kept")
            #expect(try await client.send(.put, "/api/v1/agents/\(id)", json: ["budget_limit": nil]).json["budget_limit"] == .null)
            #expect(try await client.agent(["name": "free"])["budget_limit"] == .null)
            for bad: JSONValue in [-1, "lots", true] {
                let create = try await client.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "bad", "budget_limit": bad])
                #expect(create.status == .unprocessableContent && create.json["field"] == "budget_limit", "\(create.text)")
                let update = try await client.send(.put, "/api/v1/agents/\(id)", json: ["budget_limit": bad])
                #expect(update.status == .unprocessableContent && update.json["field"] == "budget_limit", "\(update.text)")
            }
            // A model without a price costs nothing per call, so a budget on it would never
            // apply: refused, saying how to price it (issue 14).
            let unpriced = try await client.send(.post, "/api/v1/agents", json: ["name": "u", "model": "mock/echo", "budget_limit": 1])
            #expect(unpriced.status == .created, "mock/* is priced (free): \(unpriced.text)")
            let models = ModelCatalog(providers: ProviderRegistry(providers: ["mock": MockProvider(), "vllm": MockProvider()], defaultProvider: "mock"))
            #expect(models.isPriced("mock/echo") && !models.isPriced("vllm/llama") && models.isPriced("echo"))
        }
        try await withAPI(workers: false, models: ModelCatalog(providers: ProviderRegistry(providers: ["mock": MockProvider(), "vllm": MockProvider()]))) {
            client, _ in
            let refused = try await client.send(.post, "/api/v1/agents", json: ["name": "v", "model": "vllm/llama", "budget_limit": 5])
            #expect(refused.status == .unprocessableContent && refused.json["field"] == "budget_limit", "\(refused.text)")
            #expect(refused.json["detail"]?.stringValue?.contains("HANGAR_MODEL_PRICES") == true)
            let plain = try await client.send(.post, "/api/v1/agents", json: ["name": "v", "model": "vllm/llama"])
            #expect(plain.status == .created)
            let later = try await client.send(.put, "/api/v1/agents/v", json: ["budget_limit": 5])
            #expect(later.status == .unprocessableContent && later.json["field"] == "budget_limit", "\(later.text)")
        }
    }

    @Test("a spent budget refuses task submission and chat replies with 429 (seed 004's resource limit), recorded as an incident", arguments: TestBackend.allCases)
    func budgetRefusal(_ backend: TestBackend) async throws {
        try await withAPI(backend, workers: false) { client, store in
            // setup
            let agent = try await client.agent(["name": "thrifty", "budget_limit": 1.0])
            let agentID = try #require(agent["id"]?.stringValue)
            try await store.usageAppend(
                UsageRecord(tenantID: Tenant.defaultID, agentID: agentID, model: "openai/gpt-4o", promptTokens: 1000, completionTokens: 10, costUSD: 0.6))
            let session = try await client.send(.post, "/api/v1/chat/sessions", json: ["agent_id": "thrifty"])
            #expect(session.json["agent_id"] == .string(agentID))
            let sessionID = try #require(session.json["id"]?.stringValue)

            // act / validate: under the limit, work is accepted (and the chat reply is counted)
            #expect(try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "thrifty", "input": ["prompt": "hi"]]).status == .created)
            #expect(try await client.send(.post, "/api/v1/chat/sessions/\(sessionID)/messages", json: ["message": "hi"]).status == .ok)
            let counted = try await store.usageDaily(tenantID: Tenant.defaultID, agentID: agentID, since: Date().addingTimeInterval(-3600))
            #expect(counted.contains { $0.model == "mock/echo" && $0.requests == 1 }, "the chat reply is in the agent's usage")

            try await store.usageAppend(
                UsageRecord(tenantID: Tenant.defaultID, agentID: agentID, model: "openai/gpt-4o", promptTokens: 1000, completionTokens: 10, costUSD: 0.5))
            let task = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "thrifty", "input": ["prompt": "hi"]])
            #expect(task.status == .tooManyRequests)
            let detail = try #require(task.json["detail"]?.stringValue)
            #expect(detail.contains("thrifty") && detail.contains("$1.10") && detail.contains("$1.00") && detail.contains("budget_limit"), "\(detail)")
            let chat = try await client.send(.post, "/api/v1/chat/sessions/\(sessionID)/messages", json: ["message": "more"])
            #expect(chat.status == .tooManyRequests)
            #expect(chat.json["detail"]?.stringValue == detail)
            let incidents = try await store.incidentList(IncidentListParams(tenantID: Tenant.defaultID, kind: .resourceExceeded))
            #expect(incidents.incidents.contains { $0.agentID == agentID })

            // Raising the limit lets work through again.
            #expect(try await client.send(.put, "/api/v1/agents/\(agentID)", json: ["budget_limit": 5]).status == .ok)
            #expect(try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "thrifty", "input": ["prompt": "hi"]]).status == .created)
        }
    }

    @Test("GET /agents/{id}/usage reports totals by UTC day and model within the window")
    func usageReport() async throws {
        try await withAPI(workers: false) { client, store in
            let agent = try await client.agent(["name": "reporter", "budget_limit": 10])
            let id = try #require(agent["id"]?.stringValue)
            let now = Date()
            let yesterday = now.addingTimeInterval(-86_400)
            let records = [
                UsageRecord(tenantID: Tenant.defaultID, agentID: id, model: "openai/gpt-4o-mini", promptTokens: 100, completionTokens: 20, costUSD: 0.25, createdAt: yesterday),
                UsageRecord(tenantID: Tenant.defaultID, agentID: id, model: "openai/gpt-4o-mini", promptTokens: 50, completionTokens: 10, costUSD: 0.5, createdAt: now),
                UsageRecord(tenantID: Tenant.defaultID, agentID: id, model: "mock/echo", promptTokens: 5, completionTokens: 5, costUSD: 0, createdAt: now),
                UsageRecord(tenantID: Tenant.defaultID, agentID: id, model: "mock/echo", promptTokens: 1, completionTokens: 1, costUSD: 2, createdAt: now.addingTimeInterval(-40 * 86_400)),
                UsageRecord(tenantID: Tenant.defaultID, agentID: "someone-else", model: "mock/echo", promptTokens: 9, completionTokens: 9, costUSD: 9, createdAt: now),
            ]
            for record in records { try await store.usageAppend(record) }

            let response = try await client.send(.get, "/api/v1/agents/reporter/usage?days=7")
            #expect(response.status == .ok)
            let usage = response.json
            #expect(usage["agent_id"] == .string(id) && usage["budget_limit"] == 10)
            #expect(usage["spent_usd"] == 2.75, "all time")
            #expect(usage["remaining_usd"] == 7.25)
            #expect(usage["totals"] == ["requests": 3, "prompt_tokens": 155, "completion_tokens": 35, "total_tokens": 190, "cost_usd": 0.75])
            let days = try #require(usage["days"]?.arrayValue)
            var utc = Calendar(identifier: .gregorian)
            utc.timeZone = TimeZone(identifier: "UTC")!
            func day(_ date: Date) -> String {
                let parts = utc.dateComponents([.year, .month, .day], from: date)
                return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            }
            #expect(days.map { $0["date"]?.stringValue ?? "" } == [day(yesterday), day(now)])
            #expect(days[0]["requests"] == 1 && days[0]["total_tokens"] == 120)
            #expect(days[1]["models"] == [
                "mock/echo": ["requests": 1, "prompt_tokens": 5, "completion_tokens": 5, "cost_usd": 0],
                "openai/gpt-4o-mini": ["requests": 1, "prompt_tokens": 50, "completion_tokens": 10, "cost_usd": 0.5],
            ])
            let today = try await client.send(.get, "/api/v1/agents/\(id)/usage?days=1").json
            #expect(today["days"]?.arrayValue?.count == 1 && today["totals"]?["requests"] == 2)
            let unlimited = try await client.agent(["name": "unlimited"])
            #expect(try await client.send(.get, "/api/v1/agents/unlimited/usage").json["remaining_usd"] == .null)
            #expect(unlimited["budget_limit"] == .null)

            for bad in ["0", "367", "week"] {
                let refused = try await client.send(.get, "/api/v1/agents/\(id)/usage?days=\(bad)")
                #expect(refused.status == .unprocessableContent && refused.json["field"] == "days")
            }
            #expect(try await client.send(.get, "/api/v1/agents/nobody/usage").status == .notFound)
        }
    }
}
