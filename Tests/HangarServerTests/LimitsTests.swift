import Foundation
import HangarAuth
import HangarCore
import HangarServer
import HangarStore
import HangarTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Quotas and rate limits")
struct LimitsTests {
    /// Two API replicas (separate connection pools) on one PostgreSQL database.
    func withReplicas(_ body: @escaping @Sendable (any TestClientProtocol, any TestClientProtocol, any HangarStore) async throws -> Void) async throws {
        try await withTestStore(.postgres) { store, database in
            let second = try await database.open()
            func app(_ store: any HangarStore) async throws -> some ApplicationProtocol {
                let configuration = ServerConfiguration(rateLimits: RateLimits(agentCreationsPerHour: 10))
                return Application(router: buildRouter(
                    store: store, registry: .standard, configuration: configuration, authenticator: try await Authenticator(store: store, cacheTTL: 0), vault: .testing))
            }
            let one = try await app(store)
            let two = try await app(second)
            do {
                try await one.test(.router) { first in
                    try await two.test(.router) { other in try await body(first, other, store) }
                }
            } catch {
                try? await second.close()
                throw error
            }
            try await second.close()
        }
    }

    @Test("agent creation is limited to 10 per hour per caller, across replicas, with Retry-After")
    func rateLimitAcrossReplicas() async throws {
        try await withReplicas { first, other, store in
            let key = try await AuthorizationTests.key(store, tenant: Tenant.defaultID, role: .operator, name: "busy")
            let headers: HTTPFields = [.authorization: "Bearer \(key.token)"]
            // Refused attempts use no token (issue 24): bad fields, a duplicate name.
            #expect(try await first.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "x", "max_concurrency": 0], headers: headers).status == .unprocessableContent)
            #expect(try await first.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "x", "colour": "blue"], headers: headers).status == .unprocessableContent)
            for index in 0..<10 {
                if index == 3 {
                    let duplicate = try await first.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "a0"], headers: headers)
                    #expect(duplicate.status == .conflict, "\(duplicate.text)")
                }
                let client = index.isMultiple(of: 2) ? first : other
                let response = try await client.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": .string("a\(index)")], headers: headers)
                #expect(response.status == .created, "\(index): \(response.text)")
                #expect(response.headers[HTTPField.Name("X-RateLimit-Remaining")!] == String(9 - index))
            }
            for client in [first, other] {
                let refused = try await client.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "one-too-many"], headers: headers)
                #expect(refused.status == .tooManyRequests)
                #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 300)
                #expect(refused.json["detail"]?.stringValue?.contains("agent_create") == true)
                #expect(refused.json["detail"]?.stringValue?.contains("HANGAR_RATE_AGENT_CREATIONS") == true, "\(refused.text)")
            }
            // Another caller has its own bucket.
            let fresh = try await AuthorizationTests.key(store, tenant: Tenant.defaultID, role: .operator, name: "fresh")
            #expect(try await other.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "theirs"], headers: [.authorization: "Bearer \(fresh.token)"]).status == .created)
        }
    }

    @Test("quotas: set by the system admin, read by the tenant, enforced at submission across replicas")
    func quotasAcrossReplicas() async throws {
        try await withReplicas { first, other, store in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            let root = try await AuthorizationTests.key(store, tenant: Tenant.defaultID, role: .admin, name: "root")
            let acme = try await AuthorizationTests.key(store, tenant: "acme", role: .admin, name: "acme")
            let asRoot: HTTPFields = [.authorization: "Bearer \(root.token)"]
            let asAcme: HTTPFields = [.authorization: "Bearer \(acme.token)"]

            #expect(try await first.send(.put, "/api/v1/quotas", json: ["tenant_id": "acme", "max_tasks_per_hour": 5, "max_agents": 1], headers: asAcme).status == .forbidden)
            let set = try await first.send(.put, "/api/v1/quotas", json: ["tenant_id": "acme", "max_tasks_per_hour": 5, "max_agents": 1], headers: asRoot)
            #expect(set.status == .ok)
            #expect(try await other.send(.get, "/api/v1/quotas", headers: asAcme).json["max_tasks_per_hour"] == 5)

            #expect(try await first.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "only"], headers: asAcme).status == .created)
            let second = try await other.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "second"], headers: asAcme)
            #expect(second.status == .tooManyRequests, "seed 004 answers resource limits with 429")
            #expect(second.json["detail"]?.stringValue?.contains("max_agents") == true)

            for index in 0..<5 {
                let client = index.isMultiple(of: 2) ? first : other
                #expect(try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "only", "input": ["prompt": "x"]], headers: asAcme).status == .created)
            }
            let refused = try await other.send(.post, "/api/v1/tasks", json: ["agent_id": "only", "input": ["prompt": "x"]], headers: asAcme)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.json["detail"]?.stringValue?.contains("max_tasks_per_hour") == true)
            #expect(refused.headers[.retryAfter] != nil)
            let usage = try await first.send(.get, "/api/v1/quotas", headers: asAcme).json["usage"]
            #expect(usage?["tasks_last_hour"] == 5)
            #expect(usage?["agents"] == 1)
        }
    }
}

@Suite("Quotas: reservations and token budgets over the API")
struct ReservationQuotaAPITests {
    @Test("an agent larger than the tenant's reservation quota and a spent token budget are refused at submission, naming the quota")
    func submissionChecks() async throws {
        try await withAPI(workers: true) { client, store in
            let set = try await client.send(.put, "/api/v1/quotas", json: ["max_gpu": 1, "max_memory_mb": 4096, "token_budget": 5])
            #expect(set.status == .ok && set.json["max_gpu"] == 1 && set.json["token_budget"] == 5)
            _ = try await client.agent(["name": "big", "resources": ["gpu": 2, "memory_mb": 1024]])
            let refused = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "big", "input": ["prompt": "x"]])
            #expect(refused.status == .tooManyRequests && refused.text.contains("max_gpu") && !refused.text.contains("max_memory_mb"))

            _ = try await client.agent(["name": "echo"])
            let id = try #require(try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "use some tokens"]]).json["id"]?.stringValue)
            #expect(try await client.finished(id)["status"] == "completed")
            let usage = try await client.send(.get, "/api/v1/quotas").json["usage"]
            #expect((usage?["tokens_used"]?.intValue ?? 0) >= 5, "the mock reports its tokens: \(String(describing: usage))")
            let spent = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "more"]])
            #expect(spent.status == .tooManyRequests && spent.text.contains("token_budget"))

            let reset = try await client.send(.put, "/api/v1/quotas", json: ["reset_token_usage": true])
            #expect(reset.json["usage"]?["tokens_used"] == 0)
            #expect(try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "again"]]).status == .created)
            let incidents = try await client.send(.get, "/api/v1/security/incidents?type=RESOURCE_EXCEEDED").json["incidents"]?.arrayValue ?? []
            #expect(incidents.count == 2, "one per agent: the oversized one and the budget refusal")
            _ = store
        }
    }
}
