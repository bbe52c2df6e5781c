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

@Suite("Workflow definitions over HTTP")
struct WorkflowAPITests {
    /// Seed 004's "Create Your First Workflow" body, exactly.
    static let seedBody: JSONValue = [
        "name": "Data Processing Pipeline",
        "description": "Automated data cleaning and analysis",
        "steps": [
            "validate_data": [
                "id": "validate_data", "name": "Validate Input Data", "type": "data_validation",
                "config": ["required_fields": ["name", "email", "data"]],
            ],
            "clean_data": [
                "id": "clean_data", "name": "Clean Data", "type": "data_cleaning",
                "config": ["remove_duplicates": true, "fill_missing": true], "dependencies": ["validate_data"],
            ],
            "analyze_data": [
                "id": "analyze_data", "name": "Analyze Data", "type": "ai_processing",
                "config": ["model": "llama2", "analysis_type": "sentiment"], "dependencies": ["clean_data"],
            ],
        ],
        "priority": "normal",
        "max_execution_time": 1800,
    ]

    @Test("the seed's body creates version 1; get, list, update to version 2, read version 1, delete; audited",
        arguments: TestBackend.allCases)
    func lifecycle(_ backend: TestBackend) async throws {
        try await withAPI(backend, workers: false) { client, store in
            let created = try await client.send(.post, "/api/v1/workflows/definitions", json: Self.seedBody)
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.json["id"]?.stringValue)
            #expect(created.json["version"] == 1 && created.json["priority"] == "normal" && created.json["max_execution_time"] == 1800)
            #expect(created.json["steps"]?["clean_data"] == [
                "id": "clean_data", "name": "Clean Data", "type": "data_cleaning",
                "config": ["remove_duplicates": true, "fill_missing": true], "dependencies": ["validate_data"],
            ])
            #expect(created.json["steps"]?["validate_data"]?["dependencies"] == [], "missing dependencies read as none")
            #expect(created.json["deleted_at"] == .null)

            let again = try await client.send(.post, "/api/v1/workflows/definitions", json: Self.seedBody)
            #expect(again.status == .conflict && again.json["field"] == "name")

            #expect(try await client.send(.get, "/api/v1/workflows/definitions/\(id)").json == created.json)
            #expect(try await client.send(.get, "/api/v1/workflows/definitions/Data%20Processing%20Pipeline").json["id"] == .string(id))

            let agent = try await client.agent(["name": "analyst", "model": "mock/echo"])
            let changed = try await client.send(
                .put, "/api/v1/workflows/definitions/\(id)",
                json: [
                    "priority": "high",
                    "steps": [
                        "analyze": ["id": "analyze", "name": "Analyze", "type": "llm", "agent_id": "analyst", "input": ["prompt": "summarize"]],
                        "gate": [
                            "id": "gate", "name": "Positive?", "type": "condition",
                            "config": ["field": "analyze.output.score", "operator": "greater_than", "value": 0.5], "dependencies": ["analyze"],
                        ],
                    ],
                ])
            #expect(changed.status == .ok, "\(changed.text)")
            #expect(changed.json["version"] == 2 && changed.json["priority"] == "high" && changed.json["name"] == "Data Processing Pipeline")
            #expect(changed.json["max_execution_time"] == 1800, "fields not sent are kept")
            #expect(changed.json["steps"]?["analyze"]?["agent_id"] == "analyst" && changed.json["steps"]?["analyze"]?["input"] == ["prompt": "summarize"])
            #expect(agent["id"] != nil)

            let first = try await client.send(.get, "/api/v1/workflows/definitions/\(id)/versions/1")
            #expect(first.status == .ok && first.json["version"] == 1 && first.json["steps"] == created.json["steps"])
            #expect(try await client.send(.get, "/api/v1/workflows/definitions/\(id)/versions/3").status == .notFound)
            #expect(try await client.send(.get, "/api/v1/workflows/definitions/\(id)/versions/zero").status == .unprocessableContent)

            _ = try await client.send(.post, "/api/v1/workflows/definitions", json: ["name": "nightly report", "steps": ["a": ["type": "wait", "config": ["seconds": 60]]]])
            let listed = try await client.send(.get, "/api/v1/workflows/definitions").json.arrayValue ?? []
            #expect(listed.map { $0["version"] } == [2, 1])
            let filtered = try await client.send(.get, "/api/v1/workflows/definitions?name=PIPELINE").json.arrayValue ?? []
            #expect(filtered.map { $0["id"] } == [.string(id)])
            #expect(try await client.send(.get, "/api/v1/workflows/definitions?limit=1&offset=1").json.arrayValue?.count == 1)
            #expect(try await client.send(.get, "/api/v1/workflows/definitions?limit=0").status == .unprocessableContent)

            let deleted = try await client.send(.delete, "/api/v1/workflows/definitions/\(id)")
            #expect(deleted.status == .ok && deleted.json == ["id": .string(id), "deleted": true])
            #expect(try await client.send(.get, "/api/v1/workflows/definitions/\(id)").status == .notFound)
            #expect(try await client.send(.delete, "/api/v1/workflows/definitions/\(id)").status == .notFound)
            #expect(try await client.send(.put, "/api/v1/workflows/definitions/\(id)", json: ["priority": "low"]).status == .notFound)
            // An execution started from a version must still find it after the delete.
            let kept = try await client.send(.get, "/api/v1/workflows/definitions/\(id)/versions/2")
            #expect(kept.status == .ok && kept.json["version"] == 2 && kept.json["deleted_at"]?.stringValue != nil)

            let actions = try await store.auditList(tenantID: Tenant.defaultID, action: nil, limit: 20, offset: 0)
                .filter { $0.resourceID == id }.map(\.action)
            #expect(actions == ["workflow.delete", "workflow.update", "workflow.create"])
        }
    }

    @Test("invalid definitions are 422 naming the step and field; unknown agents and empty updates too")
    func validation() async throws {
        try await withAPI(workers: false) { client, _ in
            func refusal(_ body: JSONValue, _ method: HTTPRequest.Method = .post, _ path: String = "/api/v1/workflows/definitions") async throws -> JSONValue {
                let response = try await client.send(method, path, json: body)
                #expect(response.status == .unprocessableContent, "\(response.text)")
                return response.json
            }
            let cycle = try await refusal([
                "name": "loop", "steps": ["a": ["id": "a", "type": "x", "dependencies": ["b"]], "b": ["id": "b", "type": "x", "dependencies": ["a"]]],
            ])
            #expect(cycle == [
                "detail": "steps.a.dependencies: dependency cycle: a → b → a (each step waits for the next)", "status_code": 422,
                "field": "steps.a.dependencies",
            ])
            let unknown = try await refusal(["name": "w", "steps": ["a": ["type": "x", "dependencies": ["nope"]]]])
            #expect(unknown["detail"] == "steps.a.dependencies[0]: unknown step 'nope'; the steps are: a")
            let condition = try await refusal([
                "name": "w", "steps": ["a": ["type": "x"], "c": ["type": "condition", "config": ["field": "a.output", "operator": "bigger"], "dependencies": ["a"]]],
            ])
            #expect(condition["field"] == "steps.c.config.operator")
            let priority = try await refusal(["name": "w", "steps": ["a": ["type": "x"]], "priority": "asap"])
            #expect(priority["detail"] == "priority: must be one of low, normal, high, critical")
            let time = try await refusal(["name": "w", "steps": ["a": ["type": "x"]], "max_execution_time": 0])
            #expect(time["field"] == "max_execution_time")
            let agent = try await refusal(["name": "w", "steps": ["a": ["type": "llm", "agent_id": "ghost"]]])
            #expect(agent["detail"] == "steps.a.agent_id: no agent 'ghost' in this tenant")
            let field = try await refusal(["name": "w", "steps": ["a": ["type": "x"]], "schedule": "daily"])
            #expect(field["field"] == "schedule")

            let created = try await client.send(.post, "/api/v1/workflows/definitions", json: ["name": "w", "steps": ["a": ["type": "x"]]])
            let id = try #require(created.json["id"]?.stringValue)
            let empty = try await refusal([:], .put, "/api/v1/workflows/definitions/\(id)")
            #expect(empty["status_code"] == 422)
            let badUpdate = try await refusal(["steps": ["a": ["type": "x", "dependencies": ["a"]]]], .put, "/api/v1/workflows/definitions/\(id)")
            #expect(badUpdate["detail"] == "steps.a.dependencies[0]: a step cannot depend on itself")
            #expect(try await client.send(.get, "/api/v1/workflows/definitions/\(id)").json["version"] == 1, "refused updates add no version")
            // A name may equal another definition's id; the id still addresses its own definition.
            let named = try await client.send(.post, "/api/v1/workflows/definitions", json: ["name": .string(id), "steps": ["a": ["type": "x"]]])
            #expect(named.status == .created, "\(named.text)")
            #expect(try await client.send(.get, "/api/v1/workflows/definitions/\(id)").json["name"] == "w")
        }
    }

    @Test("viewers read, operators write; another tenant's definitions and agents are invisible")
    func rolesAndTenants() async throws {
        try await withAPI(auth: .required, workers: false) { client, store in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            try await store.tenantUpsert(id: "globex", name: "Globex")
            func bearer(_ tenant: String, _ role: Role) async throws -> HTTPFields {
                [.authorization: "Bearer \(try await AuthorizationTests.key(store, tenant: tenant, role: role, name: "\(tenant)-\(role)").token)"]
            }
            let viewer = try await bearer("acme", .viewer)
            let acme = try await bearer("acme", .operator)
            let globex = try await bearer("globex", .operator)
            let path = "/api/v1/workflows/definitions"

            #expect(try await client.send(.post, path, json: Self.seedBody, headers: viewer).status == .forbidden)
            let created = try await client.send(.post, path, json: Self.seedBody, headers: acme)
            #expect(created.status == .created)
            let id = try #require(created.json["id"]?.stringValue)
            #expect(try await client.send(.get, "\(path)/\(id)", headers: viewer).status == .ok)
            #expect(try await client.send(.put, "\(path)/\(id)", json: ["priority": "low"], headers: viewer).status == .forbidden)
            #expect(try await client.send(.delete, "\(path)/\(id)", headers: viewer).status == .forbidden)

            for (method, uri) in [(HTTPRequest.Method.get, "\(path)/\(id)"), (.get, "\(path)/\(id)/versions/1"), (.delete, "\(path)/\(id)")] {
                #expect(try await client.send(method, uri, headers: globex).status == .notFound, "\(method) \(uri)")
            }
            #expect(try await client.send(.put, "\(path)/\(id)", json: ["priority": "low"], headers: globex).status == .notFound)
            #expect(try await client.send(.get, path, headers: globex).json == [])
            // The same name is free in another tenant, and acme's agent is unknown there.
            #expect(try await client.send(.post, path, json: Self.seedBody, headers: globex).status == .created)
            _ = try await store.makeAgent(name: "acme-writer", tenantID: "acme")
            let foreignAgent = try await client.send(
                .post, path, json: ["name": "borrow", "steps": ["w": ["type": "llm", "agent_id": "acme-writer"]]], headers: globex)
            #expect(foreignAgent.status == .unprocessableContent && foreignAgent.json["field"] == "steps.w.agent_id")
            #expect(try await client.send(.get, "\(path)/\(id)", headers: acme).json["version"] == 1)
        }
    }
}
