import Foundation
import HangarAuth
import HangarCore
import HangarServer
import HangarStore
import HangarTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Testing

@Suite("Authorization")
struct AuthorizationTests {
    /// A caller in the matrix.
    struct Caller: Sendable, CustomStringConvertible {
        var name: String
        var token: String?
        var role: Role?
        var tenant: String?
        var isSystemAdmin = false
        var description: String { name }
    }

    static func key(_ store: any HangarStore, tenant: String, role: Role, name: String) async throws -> (id: String, token: String) {
        let (id, secret, token) = APIKeyToken.generate()
        try await store.apiKeyInsert(APIKey(id: id, tenantID: tenant, name: name, role: role, secretHash: APIKeyToken.hash(secret), createdAt: Date()))
        return (id, token)
    }

    @Test("a key's stored hash is the lowercase hex SHA-256 of its secret (keys stored by earlier versions still match)")
    func keyHash() {
        #expect(APIKeyToken.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(APIKeyToken.hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("every route × every kind of caller: 401, 403, 404 for other tenants, or access")
    func matrix() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            try await store.tenantUpsert(id: "globex", name: "Globex")
            let agent = try await store.makeAgent(tenantID: "acme")
            let task = try await store.submit(agent)
            let victim = try await Self.key(store, tenant: "acme", role: .viewer, name: "to revoke")
            let secret = AgentSecret(
                id: Identifier.make(), tenantID: "acme", agentID: agent.id, key: "api_token", description: nil,
                ciphertext: try SecretBox.testing.seal("s3cr3t"), keyID: SecretBox.testing.keyID, createdAt: Date(), updatedAt: Date())
            try await store.secretInsert(secret)
            let workflow = try await store.workflowInsert(
                WorkflowWriteParams(tenantID: "acme", draft: WorkflowDraft(name: "w", steps: [WorkflowStep(id: "a", name: "a", type: "x")])))
            let callers = [
                Caller(name: "no credential", token: nil),
                Caller(name: "bad credential", token: "hgr_nope_notavalidsecret"),
                Caller(name: "viewer", token: try await Self.key(store, tenant: "acme", role: .viewer, name: "v").token, role: .viewer, tenant: "acme"),
                Caller(name: "operator", token: try await Self.key(store, tenant: "acme", role: .operator, name: "o").token, role: .operator, tenant: "acme"),
                Caller(name: "admin", token: try await Self.key(store, tenant: "acme", role: .admin, name: "a").token, role: .admin, tenant: "acme"),
                Caller(name: "other tenant's admin", token: try await Self.key(store, tenant: "globex", role: .admin, name: "g").token, role: .admin, tenant: "globex"),
                Caller(name: "system admin", token: try await Self.key(store, tenant: Tenant.defaultID, role: .admin, name: "s").token, role: .admin, tenant: Tenant.defaultID, isSystemAdmin: true),
            ]
            let authenticator = try await Authenticator(store: store, cacheTTL: 0)
            let router = buildRouter(
                store: store, registry: .standard, configuration: ServerConfiguration(), authenticator: authenticator, vault: .testing,
                speech: .testing())
            let routes = router.routes.map { (method: $0.method, path: $0.path.description) }
            let parameters = [
                "agent_id": agent.id, "task_id": task.id, "key_id": victim.id, "secret_id": secret.id, "workflow_id": workflow.id, "version": "1",
            ]
            let app = Application(router: router)
            try await app.test(.router) { client in
                for route in routes {
                    let requirement = RoutePolicy.requirement(method: route.method.rawValue, path: route.path)
                    guard let requirement else {
                        Issue.record("\(route.method) \(route.path) has no entry in RoutePolicy")
                        continue
                    }
                    var uri = route.path
                    for (name, value) in parameters { uri = uri.replacingOccurrences(of: "{\(name)}", with: value) }
                    let hasResource = uri != route.path
                    for caller in callers {
                        var headers: HTTPFields = [.contentType: "application/json"]
                        if let token = caller.token { headers[.authorization] = "Bearer \(token)" }
                        let response = try await client.execute(uri: uri, method: route.method, headers: headers, body: ByteBuffer(string: "{}"))
                        let status = Int(response.status.code)
                        let label = "\(route.method) \(route.path) as \(caller)"
                        switch requirement {
                        case .public:
                            #expect(status != 401 && status != 403, "\(label): \(status)")
                        case _ where caller.role == nil:
                            #expect(status == 401, "\(label): \(status)")
                        case .defaultTenant(let needed) where caller.tenant != Tenant.defaultID || caller.role! < needed:
                            #expect(status == 403, "\(label): \(status)")
                        case .systemAdmin where !caller.isSystemAdmin:
                            #expect(status == 403, "\(label): \(status)")
                        case .role(let needed) where caller.role! < needed:
                            #expect(status == 403, "\(label): \(status)")
                        default:
                            if caller.tenant == "globex" && hasResource {
                                #expect(status == 404, "\(label): another tenant's resource must be invisible, got \(status)")
                            } else {
                                #expect(status != 401 && status != 403 && status < 500, "\(label): \(status)")
                            }
                        }
                        if status == 401 || status == 403 || status == 404 {
                            #expect(String(buffer: response.body).contains("\"status_code\""), "\(label): JSON error body")
                        }
                    }
                }
            }
        }
    }

    @Test("tenants see only their own data; revoked keys stop working; whoami reports the caller")
    func isolation() async throws {
        try await withAPI(auth: .required, workers: false) { client, store in
            try await store.tenantUpsert(id: "acme", name: "Acme")
            try await store.tenantUpsert(id: "globex", name: "Globex")
            let acme = try await Self.key(store, tenant: "acme", role: .operator, name: "acme")
            let globex = try await Self.key(store, tenant: "globex", role: .admin, name: "globex")
            let asAcme: HTTPFields = [.authorization: "Bearer \(acme.token)"]
            let asGlobex: HTTPFields = [.authorization: "Bearer \(globex.token)"]

            #expect(try await client.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "writer"], headers: asAcme).status == .created)
            let submitted = try await client.send(.post, "/api/v1/tasks", json: ["agent_id": "writer", "input": ["prompt": "secret plans"]], headers: asAcme)
            let id = try #require(submitted.json["id"]?.stringValue)

            #expect(try await client.send(.get, "/api/v1/tasks", headers: asGlobex).json.arrayValue?.isEmpty == true)
            #expect(try await client.send(.get, "/api/v1/agents/writer", headers: asGlobex).status == .notFound)
            let foreign = try await client.send(.get, "/api/v1/tasks/\(id)", headers: asGlobex)
            #expect(foreign.status == .notFound)
            #expect(!foreign.text.contains("secret plans"))
            // The same name is free in another tenant.
            #expect(try await client.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "writer"], headers: asGlobex).status == .created)

            let whoami = try await client.send(.get, "/api/v1/auth/whoami", headers: asAcme).json
            #expect(whoami["tenant_id"] == "acme")
            #expect(whoami["role"] == "operator")

            let revoked = try await client.send(.delete, "/api/v1/keys/\(acme.id)", headers: asGlobex)
            #expect(revoked.status == .notFound, "globex cannot revoke acme's key")
            #expect(try await store.apiKeyRevoke(tenantID: "acme", id: acme.id))
            #expect(try await client.send(.get, "/api/v1/tasks", headers: asAcme).status == .unauthorized)
        }
    }

    @Test("keys: created over the API (shown once, stored hashed), listed without secrets, audited")
    func keysAPI() async throws {
        try await withAPI(auth: .required, workers: false) { client, store in
            let admin = try await Self.key(store, tenant: Tenant.defaultID, role: .admin, name: "root")
            let headers: HTTPFields = [.authorization: "Bearer \(admin.token)"]
            let created = try await client.send(.post, "/api/v1/keys", json: ["name": "ci", "role": "operator"], headers: headers)
            #expect(created.status == .created)
            let token = try #require(created.json["key"]?.stringValue)
            #expect(token.hasPrefix("hgr_"))
            let listed = try await client.send(.get, "/api/v1/keys", headers: headers)
            #expect(!listed.text.contains(token))
            #expect(!listed.text.contains(String(token.split(separator: "_").last!)))
            let keyID = try #require(created.json["id"]?.stringValue)
            let stored = try #require(try await store.apiKeyGet(id: keyID))
            #expect(stored.secretHash != token && stored.role == .operator)

            let asNew: HTTPFields = [.authorization: "Bearer \(token)"]
            #expect(try await client.send(.get, "/api/v1/auth/whoami", headers: asNew).json["role"] == "operator")
            #expect(try await client.send(.post, "/api/v1/keys", json: ["name": "x"], headers: asNew).status == .forbidden)
            #expect(try await client.send(.post, "/api/v1/keys", json: ["name": "x", "role": "root"], headers: headers).status == .unprocessableContent)

            let audit = try await client.send(.get, "/api/v1/audit", headers: headers).json.arrayValue ?? []
            #expect(audit.contains { $0["action"] == "key.create" && $0["actor"] == .string("key:\(admin.id)") })
        }
    }

    @Test("JWTs: HS256 with tenant and role claims; expired, unsigned and wrongly signed ones are refused")
    func jwt() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let secret = "a-test-secret-that-is-long-enough-for-hs256"
            let authenticator = try await Authenticator(store: store, jwt: JWTConfiguration(hmacSecret: secret))
            let signer = JWTKeyCollection()
            await signer.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            let good = try await signer.sign(TestClaims(sub: "alice", exp: .init(value: Date().addingTimeInterval(600)), tenant: "acme", role: "operator"))
            let principal = try await authenticator.authenticate(good)
            #expect(principal == Principal(tenantID: "acme", role: .operator, subject: "jwt:alice"))

            // Each refusal names the check that failed (issue 24), and no secret.
            func reason(_ token: String, _ authenticator: Authenticator) async -> String? {
                do {
                    _ = try await authenticator.authenticate(token)
                    return nil
                } catch {
                    return error.message
                }
            }
            let expired = try await signer.sign(TestClaims(sub: "bob", exp: .init(value: Date().addingTimeInterval(-60)), tenant: "acme", role: "admin"))
            #expect(await reason(expired, authenticator) == "invalid credential: JWT expired")
            let forger = JWTKeyCollection()
            await forger.add(hmac: HMACKey(from: "another-secret-that-is-also-long-enough"), digestAlgorithm: .sha256)
            let forged = try await forger.sign(TestClaims(sub: "eve", exp: .init(value: Date().addingTimeInterval(600)), tenant: "acme", role: "admin"))
            #expect(await reason(forged, authenticator) == "invalid credential: JWT signature does not verify with this server's keys")
            let parts = good.split(separator: ".")
            let unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.\(parts[1])."
            let unsignedReason = await reason(unsigned, authenticator)
            #expect(unsignedReason != nil && unsignedReason != "invalid credential: JWT rejected", "\(unsignedReason ?? "accepted")")
            let forever = try await signer.sign(NoExpiryClaims(sub: "carol", tenant: "acme", role: "admin"))
            #expect(await reason(forever, authenticator) == "invalid credential: JWT has no exp claim (tokens must expire)")
            let audienced = try await Authenticator(store: store, jwt: JWTConfiguration(hmacSecret: secret, audience: "hangar"))
            #expect(await reason(good, audienced) == "invalid credential: JWT has no aud claim (this server requires one)")
            #expect(await reason("hgr_nokey_nosecret", authenticator) == "invalid credential: unknown API key, or its secret does not match")
            for message in [await reason(expired, authenticator), await reason(forged, authenticator)] {
                #expect(!(message ?? "").contains(secret))
            }
            await #expect(throws: HangarError.self) {
                _ = try await Authenticator(store: store, jwt: JWTConfiguration(hmacSecret: "short"))
            }
        }
    }

    @Test("first start creates an admin key, saved with mode 0600; HANGAR_ADMIN_KEY is honoured")
    func bootstrap() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-boot-\(Identifier.leaseToken())").path
            let token = try #require(try await AdminBootstrap.run(store: store, environmentKey: nil, dataDir: dir))
            let saved = try String(contentsOfFile: dir + "/admin.key", encoding: .utf8)
            #expect(saved.trimmingCharacters(in: .whitespacesAndNewlines) == token)
            let mode = try FileManager.default.attributesOfItem(atPath: dir + "/admin.key")[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(try await AdminBootstrap.run(store: store, environmentKey: nil, dataDir: dir) == nil, "only on first start")

            let authenticator = try await Authenticator(store: store, cacheTTL: 0)
            #expect(try await authenticator.authenticate(token).role == .admin)
            _ = try await AdminBootstrap.run(store: store, environmentKey: "my-own-admin-secret", dataDir: dir)
            #expect(try await authenticator.authenticate("my-own-admin-secret").tenantID == Tenant.defaultID)
        }
    }
}

struct NoExpiryClaims: JWTPayload {
    var sub: SubjectClaim
    var tenant: String
    var role: String

    func verify(using algorithm: some JWTAlgorithm) throws {}
}

struct TestClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var tenant: String
    var role: String

    func verify(using algorithm: some JWTAlgorithm) throws {}
}
