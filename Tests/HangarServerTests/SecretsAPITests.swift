import Foundation
import HangarAuth
import HangarCore
import HangarRuntime
import HangarStore
import HangarTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Secrets")
struct SecretsAPITests {
    @Test("the seed's secrets API: values go in encrypted and come out only to operators, audited")
    func api() async throws {
        try await withAPI(auth: .required, workers: false) { client, store in
            let operatorKey = try await AuthorizationTests.key(store, tenant: Tenant.defaultID, role: .operator, name: "op")
            let viewerKey = try await AuthorizationTests.key(store, tenant: Tenant.defaultID, role: .viewer, name: "viewer")
            let adminKey = try await AuthorizationTests.key(store, tenant: Tenant.defaultID, role: .admin, name: "admin")
            let asOperator: HTTPFields = [.authorization: "Bearer \(operatorKey.token)"]
            let asViewer: HTTPFields = [.authorization: "Bearer \(viewerKey.token)"]

            let created = try await client.send(
                .post, "/api/v1/agents/create",
                json: ["name": "mailer", "model": "mock/echo", "secrets": [["key": "imap_password", "value": "hunter2-imap", "description": "IMAP"]]], headers: asOperator)
            #expect(created.status == .created)
            let added = try await client.send(
                .post, "/api/v1/agents/mailer/secrets", json: ["secret_key": "api_key", "secret_value": "sk-1234567890abcdef"], headers: asOperator)
            #expect(added.status == .created)
            #expect(!added.text.contains("sk-1234567890abcdef"))
            let secretID = try #require(added.json["id"]?.stringValue)
            let duplicate = try await client.send(.post, "/api/v1/agents/mailer/secrets", json: ["secret_key": "api_key", "secret_value": "x"], headers: asOperator)
            #expect(duplicate.status == .conflict)

            let list = try await client.send(.get, "/api/v1/agents/mailer/secrets", headers: asViewer)
            #expect(Set(list.json.arrayValue?.compactMap { $0["secret_key"]?.stringValue } ?? []) == ["imap_password", "api_key"])
            #expect(!list.text.contains("hunter2") && !list.text.contains("sk-1234"))
            // `?decrypt=true` on the list is refused, not silently ignored (issue 24).
            let decryptList = try await client.send(.get, "/api/v1/agents/mailer/secrets?decrypt=true", headers: asOperator)
            #expect(decryptList.status == .unprocessableContent && decryptList.json["field"] == "decrypt", "\(decryptList.text)")
            #expect(!decryptList.text.contains("hunter2"))

            #expect(try await client.send(.get, "/api/v1/agents/mailer/secrets/\(secretID)?decrypt=true", headers: asViewer).status == .forbidden)
            let detail = try await client.send(.get, "/api/v1/agents/mailer/secrets/\(secretID)?decrypt=true", headers: asOperator)
            #expect(detail.json["decrypted_value"] == "sk-1234567890abcdef")
            #expect(detail.json["encrypted_value"]?.stringValue?.contains("sk-") == false)
            let value = try await client.send(.get, "/api/v1/agents/mailer/secrets/imap_password/value", headers: asOperator)
            #expect(value.json == ["secret_key": "imap_password", "value": "hunter2-imap"])

            #expect(try await client.send(.put, "/api/v1/agents/mailer/secrets/\(secretID)", json: ["secret_value": "sk-new"], headers: asOperator).status == .ok)
            #expect(try await client.send(.get, "/api/v1/agents/mailer/secrets/api_key/value", headers: asOperator).json["value"] == "sk-new")
            #expect(try await client.send(.delete, "/api/v1/agents/mailer/secrets/\(secretID)", headers: asOperator).status == .ok)
            #expect(try await client.send(.get, "/api/v1/agents/mailer/secrets/api_key/value", headers: asOperator).status == .notFound)

            let audit = try await client.send(.get, "/api/v1/audit?action=secret.read", headers: [.authorization: "Bearer \(adminKey.token)"])
            let reads = audit.json.arrayValue ?? []
            #expect(reads.count == 3, "every decryption is audited")
            #expect(reads.allSatisfy { $0["actor"] == .string("key:\(operatorKey.id)") })
            #expect(!audit.text.contains("hunter2") && !audit.text.contains("sk-"))

            let bad = try await client.send(.post, "/api/v1/agents/mailer/secrets", json: ["secret_key": "../etc", "secret_value": "x"], headers: asOperator)
            #expect(bad.status == .unprocessableContent)
        }
    }

    @Test("rotating the master key re-encrypts every secret; the old key no longer opens them")
    func rotation() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let agent = try await store.makeAgent()
            let old = try SecretBox(keyData: Data(repeating: 1, count: 32))
            let new = try SecretBox(keyData: Data(repeating: 2, count: 32))
            for index in 0..<5 {
                try await store.secretInsert(
                    AgentSecret(
                        id: Identifier.make(), tenantID: agent.tenantID, agentID: agent.id, key: "k\(index)", description: nil,
                        ciphertext: try old.seal("value-\(index)"), keyID: old.keyID, createdAt: Date(), updatedAt: Date()))
            }
            #expect(try await SecretRotation.rotate(store: store, from: old, to: new) == 5)
            #expect(try await SecretRotation.rotate(store: store, from: old, to: new) == 0, "idempotent")
            let reader = VaultSecretReader(store: store, vault: new)
            #expect(try await reader.secret(tenantID: agent.tenantID, agentID: agent.id, key: "k3") == "value-3")
            let stale = VaultSecretReader(store: store, vault: old)
            await #expect(throws: HangarError.self) { _ = try await stale.secret(tenantID: agent.tenantID, agentID: agent.id, key: "k3") }
        }
    }

    @Test("executors read their agent's secrets at run time")
    func runtimeAccess() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let agent = try await store.makeAgent(kind: "reader")
            try await store.secretInsert(
                AgentSecret(
                    id: Identifier.make(), tenantID: agent.tenantID, agentID: agent.id, key: "token", description: nil,
                    ciphertext: try SecretBox.testing.seal("bot-token-42"), keyID: SecretBox.testing.keyID, createdAt: Date(), updatedAt: Date()))
            let task = try await store.submit(agent)
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let pool = WorkerPool(
                store: store, registry: ExecutorRegistry(["reader": SecretEcho()]), configuration: .testing(), logger: logger,
                secrets: VaultSecretReader(store: store, vault: .testing))
            let running = Task { try await pool.run() }
            let done = try await store.waitFor(task.id)
            pool.stop()
            try await running.value
            #expect(done.output == ["token": "bot-token-42", "missing": nil])
        }
    }
}

struct SecretEcho: AgentExecutor {
    func execute(_ context: TaskContext) async throws -> ExecutionResult {
        ExecutionResult(output: ["token": .string(try await context.secret("token") ?? "none"), "missing": (try await context.secret("nope")).map(JSONValue.string) ?? .null])
    }
}

import Logging
