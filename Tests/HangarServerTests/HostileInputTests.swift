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
