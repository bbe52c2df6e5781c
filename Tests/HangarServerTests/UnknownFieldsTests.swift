import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

/// A field a route does not know is a 422 naming it, never silently dropped (issue 14: a key
/// created with `{"tenant": "x"}` landed in the caller's tenant; issue 24: `PUT` of a task's
/// `input` answered 200 and changed nothing). The seeds' own fields are accepted.
@Suite("API: unknown fields are named, not ignored")
struct UnknownFieldsTests {
    @Test("every route with a JSON body refuses a field it does not know, naming it, and changes nothing")
    func everyRoute() async throws {
        try await withAPI(workers: false) { client, store in
            let agent = try await client.agent(["name": "echo"])
            let agentID = try #require(agent["id"]?.stringValue)
            let task = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "x"]])
            let taskID = try #require(task.json["id"]?.stringValue)
            let secret = try await client.send(.post, "/api/v1/agents/\(agentID)/secrets", json: ["key": "k", "value": "v"])
            let secretID = try #require(secret.json["id"]?.stringValue, "\(secret.text)")
            let chat = try await client.send(.post, "/api/v1/chat/sessions", json: ["model": "mock/echo"])
            let chatID = try #require(chat.json["id"]?.stringValue ?? chat.json["session_id"]?.stringValue, "\(chat.text)")

            let routes: [(HTTPRequest.Method, String, JSONValue)] = [
                (.post, "/api/v1/agents", ["model": "mock/echo", "name": "a2"]),
                (.post, "/api/v1/agents/create", ["name": "a3"]),
                (.put, "/api/v1/agents/\(agentID)", ["description": "d"]),
                (.post, "/api/v1/tasks", ["agent_id": "echo", "input": ["prompt": "y"]]),
                (.post, "/api/v1/tasks/run", ["agent_id": "echo", "input": ["prompt": "y"]]),
                (.put, "/api/v1/tasks/\(taskID)", ["priority": 7]),
                (.post, "/api/v1/agents/\(agentID)/secrets", ["key": "k2", "value": "v"]),
                (.put, "/api/v1/agents/\(agentID)/secrets/\(secretID)", ["value": "v2"]),
                (.post, "/api/v1/keys", ["name": "k"]),
                (.post, "/api/v1/tenants", ["id": "t2"]),
                (.put, "/api/v1/quotas", ["max_agents": 10]),
                (.post, "/api/v1/chat/sessions", ["model": "mock/echo"]),
                (.post, "/api/v1/chat/sessions/\(chatID)/messages", ["message": "hi"]),
                (.put, "/api/v1/chat/sessions/\(chatID)/status", ["status": "paused"]),
                (.post, "/api/v1/integration/webhooks/subscribe", ["url": "https://example.com/h", "events": ["task.completed"]]),
                (.post, "/api/v1/security/validate-tool-execution", ["tool_name": "http_request"]),
            ]
            for (method, path, valid) in routes {
                guard case .object(var fields) = valid else { continue }
                fields["zz_unknown"] = 1
                let response = try await client.send(method, path, json: .object(fields))
                #expect(response.status == .unprocessableContent, "\(method) \(path): \(response.status) \(response.text)")
                #expect(response.json["field"] == "zz_unknown", "\(method) \(path): \(response.text)")
                #expect(response.json["detail"]?.stringValue?.contains("it accepts:") == true, "\(response.text)")
            }
            // Nothing above was created or changed.
            #expect(try await store.agentList(AgentListParams(tenantID: Tenant.defaultID)).map(\.name) == ["echo"])
            #expect(try await store.taskList(TaskListParams(tenantID: nil)).count == 1)
            #expect(try await store.taskGet(tenantID: nil, id: taskID)?.priority == 5)
        }
    }

    @Test("the review's cases: a key's `tenant`, a task's `input` on PUT, a secret inside an agent, seed 002's agent shape")
    func namedCases() async throws {
        try await withAPI(workers: false) { client, store in
            let key = try await client.send(.post, "/api/v1/keys", json: ["name": "k", "role": "viewer", "tenant": "other"])
            #expect(key.status == .unprocessableContent && key.json["field"] == "tenant", "\(key.text)")
            #expect(key.json["detail"]?.stringValue?.contains("tenant_id") == true)

            _ = try await client.agent(["name": "echo"])
            let task = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "before"]])
            let taskID = try #require(task.json["id"]?.stringValue)
            let changed = try await client.send(.put, "/api/v1/tasks/\(taskID)", json: ["input": ["prompt": "after"]])
            #expect(changed.status == .unprocessableContent && changed.json["field"] == "input", "\(changed.text)")
            #expect(try await store.taskGet(tenantID: nil, id: taskID)?.input["prompt"] == "before")

            let secret = try await client.send(
                .post, "/api/v1/agents", json: ["model": "mock/echo", "name": "s", "secrets": [["key": "k", "value": "v", "scope": "all"]]])
            #expect(secret.status == .unprocessableContent && secret.json["field"] == "secrets[0].scope", "\(secret.text)")

            // Seed 002's agent on a server without the external kind: named, not turned into an llm agent.
            let gaelp = try await client.send(
                .post, "/api/v1/agents",
                json: ["name": "campaign-optimizer-v2", "type": "real_deployment", "docker_image": "gcr.io/gaelp/optimizer:v2.0"])
            #expect(gaelp.status == .unprocessableContent && gaelp.json["field"] == "docker_image", "\(gaelp.text)")
            #expect(gaelp.json["detail"]?.stringValue?.contains("does not run external agents") == true, "\(gaelp.text)")
        }
    }

    @Test("the seeds' own extra fields are accepted: chat `user_id`, tool validation's `input_data`, secrets both spellings")
    func seedFields() async throws {
        try await withAPI(workers: false) { client, _ in
            let chat = try await client.send(
                .post, "/api/v1/chat/sessions",
                json: ["session_type": "agent_creation", "model_name": "mock/echo", "user_id": "user-123", "title": "Create Email Analysis Agent"])
            #expect(chat.status == .created, "\(chat.text)")
            let agent = try await client.send(
                .post, "/api/v1/agents/create",
                json: [
                    "name": "Email Analyzer Agent", "description": "d", "model_name": "mock/echo", "config": ["imap_port": 993],
                    "secrets": [["key": "imap_password", "value": "p", "description": "IMAP"]],
                ])
            #expect(agent.status == .created, "\(agent.text)")
            let agentID = try #require(agent.json["id"]?.stringValue)
            let secret = try await client.send(
                .post, "/api/v1/agents/\(agentID)/secrets", json: ["secret_key": "db", "secret_value": "x", "description": "Database"])
            #expect(secret.status == .created, "\(secret.text)")
            let validated = try await client.send(
                .post, "/api/v1/security/validate-tool-execution",
                json: ["agent_id": .string(agentID), "tool_name": "llm_processor", "input_data": ["prompt": "Analyze", "max_tokens": 500]])
            #expect(validated.status == .ok, "\(validated.text)")
        }
    }
}

@Suite("API: methods a route does not have")
struct MethodNotAllowedTests {
    @Test("a path that is a route, with a method it lacks: 405 with Allow, JSON; an unknown path stays 404")
    func methodNotAllowed() async throws {
        try await withAPI(workers: false) { client, _ in
            let agent = try await client.agent(["name": "echo"])
            let id = try #require(agent["id"]?.stringValue)
            let patch = try await client.send(.patch, "/api/v1/agents/\(id)", json: ["description": "x"])
            #expect(patch.status == .methodNotAllowed, "\(patch.text)")
            #expect(patch.headers[.allow] == "DELETE, GET, HEAD, PUT", "\(patch.headers)")
            #expect(patch.json["status_code"] == 405 && patch.json["detail"]?.stringValue?.contains("PATCH") == true)
            let deleteList = try await client.send(.delete, "/api/v1/agents")
            #expect(deleteList.status == .methodNotAllowed && deleteList.headers[.allow] == "GET, HEAD, POST", "\(deleteList.headers)")
            #expect(try await client.send(.get, "/api/v1/nothing-here").status == .notFound)
        }
    }
}
