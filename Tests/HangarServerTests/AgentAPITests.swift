import HangarCore
import HangarTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("API: system and agents")
struct AgentAPITests {
    @Test("health has the seed's shape; ready answers once the database does")
    func health() async throws {
        try await withAPI(workers: false) { client, _ in
            let health = try await client.send(.get, "/api/v1/health")
            #expect(health.status == .ok)
            #expect(health.json["status"] == "healthy")
            #expect(health.json["app_name"] == "Hangar")
            #expect(health.json["version"]?.stringValue != nil)
            #expect(health.json["timestamp"]?.stringValue.flatMap(Timestamp.parse) != nil)
            // Seed 000's liveness probe path and seed 004's reference page, without a credential.
            let probe = try await client.send(.get, "/health")
            #expect(probe.status == .ok && probe.json["status"] == "healthy")
            let redoc = try await client.send(.get, "/redoc")
            #expect(redoc.status == .ok && redoc.headers[.contentType]?.hasPrefix("text/html") == true && redoc.text.contains("openapi.json"))
            let ready = try await client.send(.get, "/api/v1/ready")
            #expect(ready.status == .ok)
            #expect(ready.headers[HTTPField.Name("X-Request-ID")!] != nil)
        }
    }

    @Test("agents: create (both seed shapes), read by id and name, update, list, delete")
    func lifecycle() async throws {
        try await withAPI(workers: false) { client, _ in
            let created = try await client.agent(["name": "echo", "kind": "llm", "model": "mock/echo", "max_concurrency": 2])
            let id = try #require(created["id"]?.stringValue)
            #expect(created["model_name"] == "mock/echo")
            #expect(created["max_concurrency"] == 2)
            #expect(created["version"] == 1)

            let seed004 = try await client.send(
                .post, "/api/v1/agents/create",
                json: ["name": "Test Summarizer", "description": "summaries", "model_name": "mock/echo", "config": ["temperature": 0.3]])
            #expect(seed004.status == .created)
            #expect(seed004.json["kind"] == "llm")
            #expect(seed004.json["config"]?["temperature"] == 0.3)

            #expect(try await client.send(.get, "/api/v1/agents/echo").json["id"] == .string(id))
            let updated = try await client.send(.put, "/api/v1/agents/\(id)", json: ["description": "changed", "max_concurrency": nil])
            #expect(updated.status == .ok)
            #expect(updated.json["description"] == "changed")
            #expect(updated.json["max_concurrency"] == .null)
            #expect(updated.json["version"] == 2)

            let list = try await client.send(.get, "/api/v1/agents?kind=llm&limit=1")
            #expect(list.json.arrayValue?.count == 1)
            #expect(try await client.send(.get, "/api/v1/agents?agent_type=browser").json.arrayValue?.isEmpty == true)

            #expect(try await client.send(.delete, "/api/v1/agents/\(id)").status == .ok)
            let gone = try await client.send(.get, "/api/v1/agents/\(id)")
            #expect(gone.status == .notFound)
            #expect(gone.json["status_code"] == 404)
            #expect(gone.json["detail"]?.stringValue?.contains(id) == true)
        }
    }

    @Test("a name with spaces or other escaped characters is found by its percent-encoded path, in every route that takes one")
    func escapedNames() async throws {
        try await withAPI { client, _ in
            let agent = try await client.agent(["name": "Email Analyzer Agent"])
            let id = try #require(agent["id"]?.stringValue)
            let read = try await client.send(.get, "/api/v1/agents/Email%20Analyzer%20Agent")
            #expect(read.status == .ok && read.json["id"] == .string(id), "\(read.text)")
            let secret = try await client.send(
                .post, "/api/v1/agents/Email%20Analyzer%20Agent/secrets", json: ["secret_key": "imap_password", "secret_value": "x"])
            #expect(secret.status == .created, "\(secret.text)")
            let value = try await client.send(.get, "/api/v1/agents/Email%20Analyzer%20Agent/secrets/imap%5Fpassword/value")
            #expect(value.json["value"] == "x", "\(value.text)")
            #expect(try await client.send(.get, "/api/v1/agents/Email%2").status == .notFound, "a bad escape matches nothing")
            #expect(try await client.send(.delete, "/api/v1/agents/Email%20Analyzer%20Agent").status.code < 300)
        }
    }

    @Test("invalid agent definitions are refused with the field named")
    func validation() async throws {
        try await withAPI(workers: false) { client, _ in
            let cases: [(JSONValue, String, HTTPResponse.Status)] = [
                (["kind": "llm"], "name", .unprocessableContent),
                (["name": "x", "kind": "teleporter"], "kind", .unprocessableContent),
                (["name": "x", "max_concurrency": 0], "max_concurrency", .unprocessableContent),
                (["name": "x", "config": "not an object"], "config", .unprocessableContent),
                (["name": "x", "resources": ["gpu": -1]], "resources.gpu", .unprocessableContent),
                (["name": "x", "secrets": [["key": "k"]]], "secrets[0]", .unprocessableContent),
                (["name": .int(7)], "name", .unprocessableContent),
                // No model is picked for a caller: above all never the mock, which answers with the input.
                (["name": "x"], "model", .unprocessableContent),
                (["name": "x", "model": "llama2"], "model", .unprocessableContent),
                (["name": "x", "model": "openai/gpt-4o"], "model", .unprocessableContent),
            ]
            for (body, field, status) in cases {
                let response = try await client.send(.post, "/api/v1/agents", json: body)
                #expect(response.status == status, "\(body)")
                #expect(response.json["field"] == .string(field), "\(response.text)")
                #expect(response.json["status_code"] == .int(Int64(status.code)))
            }
            _ = try await client.agent(["name": "dup"])
            let duplicate = try await client.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "dup"])
            #expect(duplicate.status == .conflict)
        }
    }
}
