import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("API: malformed and hostile input")
struct HostileInputTests {
    @Test("a key named twice in a body is refused naming it, not resolved to one of its values; nested objects too")
    func duplicateKeys() async throws {
        try await withAPI(workers: false) { client, store in
            _ = try await client.agent(["name": "echo"])
            for body in [
                #"{"name":"first","name":"second","model":"mock/echo"}"#,
                #"{"agent_id":"echo","input":{"prompt":"a","prompt":"b"}}"#,
            ] {
                let refused = try await client.raw(.post, body.contains("agent_id") ? "/api/v1/tasks" : "/api/v1/agents", body: body)
                #expect(refused.status == .badRequest, "\(body): \(refused.text)")
                let detail = refused.json["detail"]?.stringValue ?? ""
                #expect(detail.contains("duplicate key") && (detail.contains("\"name\"") || detail.contains("\"prompt\"")), "\(detail)")
            }
            #expect(try await store.agentList(AgentListParams(tenantID: Tenant.defaultID)).count == 1)
            #expect(try await store.taskList(TaskListParams(tenantID: Tenant.defaultID)).isEmpty)
            // In a path or a query string it matches nothing.
            #expect(try await client.send(.get, "/api/v1/agents/ec%00ho").status == .notFound)
            let filtered = try await client.send(.get, "/api/v1/tasks?agent_id=%00&kind=a%00b")
            #expect(filtered.status == .ok && filtered.json == [], "\(filtered.text)")
            #expect(try await client.send(.get, "/api/v1/logs/history?search=%00").status == .ok)
        }
    }

    @Test("\\u0000 in a body gets the same 400 on both backends (PostgreSQL's text cannot hold it), not a 500 on one", arguments: TestBackend.allCases)
    func nulCharacters(_ backend: TestBackend) async throws {
        try await withAPI(backend, workers: false) { client, store in
            _ = try await client.agent(["name": "echo"])
            for (path, body) in [
                ("/api/v1/agents", #"{"name":"nul","model":"mock/echo","description":"a\u0000b"}"#),
                ("/api/v1/tasks", #"{"agent_id":"echo","input":{"prompt":"x\u0000y"}}"#),
            ] {
                let refused = try await client.raw(.post, path, body: body)
                #expect(refused.status == .badRequest, "\(path): \(refused.text)")
                #expect(refused.json["detail"]?.stringValue?.contains("NUL") == true, "\(refused.text)")
            }
            #expect(try await store.agentList(AgentListParams(tenantID: Tenant.defaultID)).count == 1)
            #expect(try await store.taskList(TaskListParams(tenantID: Tenant.defaultID)).isEmpty)
        }
    }

    @Test("every malformed body gets a 4xx JSON error and accepted tasks survive")
    func malformedBodies() async throws {
        try await withAPI(workers: false, maxBodyBytes: 64 * 1024) { client, store in
            _ = try await client.agent(["name": "echo"])
            let accepted = try #require(try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "keep"]]).json["id"]?.stringValue)
            let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            let bodies: [String] = [
                "", "{", "null", "[]", "\"string\"", "42", "{\"agent_id\": }", deep, "{\"input\": " + deep + "}",
                "{\"agent_id\":\"echo\",\"input\":{\"prompt\":\"x\"},\"priority\":1e400}",
                "{\"agent_id\":\"echo\",\"input\":{\"prompt\":\"x\"},\"priority\":99999999999999999999999}",
                "{\"agent_id\":\"echo\",\"input\":{\"prompt\":\"x\"},\"timeout\":\"forever\"}",
                "{\"agent_id\":\"' OR 1=1 --\",\"input\":{\"prompt\":\"x\"}}",
                "{\"agent_id\":\"../../etc/passwd\",\"input\":{\"prompt\":\"x\"}}",
                "{\"agent_id\":\"echo\",\"input\":{\"prompt\":\"\\u0000\\ud800\"}}",
            ]
            for body in bodies {
                for path in ["/api/v1/tasks", "/api/v1/agents"] {
                    let response = try await client.raw(.post, path, body: body)
                    #expect((400..<500).contains(Int(response.status.code)), "\(path) \(body.prefix(60)): \(response.status)")
                    #expect(response.json["detail"]?.stringValue != nil, "\(response.text.prefix(200))")
                }
            }
            // Invalid UTF-8 bytes.
            var invalid = ByteBuffer()
            invalid.writeBytes([0x7B, 0x22, 0x6E, 0x61, 0x6D, 0x65, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D])
            let utf8 = try await client.execute(uri: "/api/v1/agents", method: .post, headers: [.contentType: "application/json"], body: invalid)
            #expect((400..<500).contains(Int(utf8.status.code)))

            let huge = "{\"name\":\"" + String(repeating: "a", count: 200_000) + "\"}"
            let tooLarge = try await client.raw(.post, "/api/v1/agents", body: huge)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.json["status_code"] == 413)

            #expect(try await store.taskGet(tenantID: nil, id: accepted)?.status == .queued, "nothing accepted was lost")
            #expect(try await store.taskList(TaskListParams(tenantID: nil)).count == 1)
        }
    }
}
