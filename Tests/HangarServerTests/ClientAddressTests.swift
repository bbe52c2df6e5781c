import Foundation
import HangarAuth
import HangarCore
import HangarServer
import HangarStore
import HangarTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `HANGAR_TRUSTED_PROXIES`: forwarded client addresses are believed only from configured
/// proxies. Each test runs a live server on 127.0.0.1, so the socket peer is 127.0.0.1, and
/// reads back where the audit log or the incident log says a request came from.
@Suite("Client address behind trusted proxies")
struct ClientAddressTests {
    /// An admin key of the default tenant, which may create keys (an audited action).
    private static func adminToken(_ store: any HangarStore) async throws -> String {
        let (id, secret, token) = APIKeyToken.generate()
        try await store.apiKeyInsert(
            APIKey(id: id, tenantID: Tenant.defaultID, name: "admin", role: .admin, secretHash: APIKeyToken.hash(secret), createdAt: Date()))
        return token
    }

    /// Creates a key with `headers` added; returns the `client_ip` its audit entry names.
    private static func auditedClient(_ server: LiveServer, token: String, _ headers: HTTPFields) async throws -> String? {
        var fields: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        fields.append(contentsOf: headers)
        let response = try await server.client.execute(
            uri: "/api/v1/keys", method: .post, headers: fields, body: ByteBuffer(string: #"{"name": "probe"}"#))
        #expect(response.status == .created)
        let created = try JSONText.decode(bytes: Array(buffer: response.body))
        let keyID = try #require(created["id"]?.stringValue)
        let entries = try await server.store.auditList(tenantID: Tenant.defaultID, action: "key.create", limit: 1000, offset: 0)
        let entry = try #require(entries.first { $0.resourceID == keyID })
        return entry.details["client_ip"]?.stringValue
    }

    private static func forwardedFor(_ value: String) -> HTTPFields { [HTTPField.Name("X-Forwarded-For")!: value] }

    private static func joined(_ first: HTTPFields, _ second: HTTPFields) -> HTTPFields {
        var fields = first
        fields.append(contentsOf: second)
        return fields
    }

    @Test("without trusted proxies the headers are ignored: a client cannot name its own address")
    func untrustedPeer() async throws {
        try await LiveServer.with { server in
            let token = try await Self.adminToken(server.store)
            #expect(try await Self.auditedClient(server, token: token, [:]) == "127.0.0.1")
            #expect(try await Self.auditedClient(server, token: token, Self.forwardedFor("203.0.113.9")) == "127.0.0.1")
            #expect(try await Self.auditedClient(server, token: token, [HTTPField.Name("Forwarded")!: "for=203.0.113.9"]) == "127.0.0.1")
        }
    }

    @Test("a configured proxy that is not the peer changes nothing")
    func otherProxyTrusted() async throws {
        try await LiveServer.with(configure: { $0.trustedProxies = try! TrustedProxies(parsing: "10.0.0.0/8, fd00::/8") }) { server in
            let token = try await Self.adminToken(server.store)
            #expect(try await Self.auditedClient(server, token: token, Self.forwardedFor("203.0.113.9")) == "127.0.0.1")
        }
    }

    @Test("from a trusted peer: the right-most untrusted address of the chain; malformed entries never become the client")
    func trustedPeer() async throws {
        try await LiveServer.with(configure: { $0.trustedProxies = try! TrustedProxies(parsing: "127.0.0.1, 10.0.0.0/8") }) { server in
            let token = try await Self.adminToken(server.store)
            func client(_ headers: HTTPFields) async throws -> String? { try await Self.auditedClient(server, token: token, headers) }
            #expect(try await client(Self.forwardedFor("203.0.113.9")) == "203.0.113.9")
            // client-written spoof, real client, then two trusted hops
            #expect(try await client(Self.forwardedFor("198.51.100.7, 203.0.113.9, 10.1.2.3, 10.9.9.9")) == "203.0.113.9")
            // Several header lines are one list.
            #expect(try await client(Self.joined(Self.forwardedFor("198.51.100.7"), Self.forwardedFor("203.0.113.9, 10.1.2.3"))) == "203.0.113.9")
            // Ports and brackets that some proxies add.
            #expect(try await client(Self.forwardedFor("203.0.113.9:5123")) == "203.0.113.9")
            #expect(try await client(Self.forwardedFor("[2001:db8::7]:443")) == "2001:db8::7")
            // A malformed entry where a trusted hop wrote: the last address vouched for (the peer).
            #expect(try await client(Self.forwardedFor("203.0.113.9, not-an-address")) == "127.0.0.1")
            #expect(try await client(Self.forwardedFor("unknown")) == "127.0.0.1")
            #expect(try await client(Self.forwardedFor("203.0.113.9, 10.1.2.3, 999.1.1.1")) == "127.0.0.1")
            #expect(try await client(Self.forwardedFor("")) == "127.0.0.1")
            // Every hop trusted: the left-most of them.
            #expect(try await client(Self.forwardedFor("10.1.2.3")) == "10.1.2.3")
            // RFC 7239 `Forwarded`, quoted IPv6 with a port; preferred over X-Forwarded-For.
            let forwarded = HTTPField.Name("Forwarded")!
            #expect(try await client([forwarded: #"for="[2001:db8::9]:4711";proto=https, for=10.1.2.3"#]) == "2001:db8::9")
            #expect(try await client(Self.joined([forwarded: "for=198.51.100.1"], Self.forwardedFor("203.0.113.9"))) == "198.51.100.1")
            #expect(try await client([forwarded: "for=_hidden"]) == "127.0.0.1")
        }
    }

    @Test("failed authentications behind a trusted proxy are counted per forwarded client")
    func failedLogins() async throws {
        try await LiveServer.with(configure: { $0.trustedProxies = try! TrustedProxies(parsing: "127.0.0.0/8") }) { server in
            for _ in 0..<5 {
                var headers = Self.forwardedFor("203.0.113.44")
                headers[.authorization] = "Bearer hk_nope"
                let response = try await server.client.execute(uri: "/api/v1/agents", method: .get, headers: headers)
                #expect(response.status == .unauthorized)
            }
            let found = try await server.eventually {
                let incidents = try await server.store.incidentList(
                    IncidentListParams(tenantID: Tenant.defaultID, kind: .authFailure, limit: 10, offset: 0)).incidents
                return incidents.contains { $0.actor == "203.0.113.44" && $0.details["source"] == "203.0.113.44" }
            }
            #expect(found)
        }
    }

    @Test("HANGAR_TRUSTED_PROXIES entries: addresses and CIDR blocks, IPv4 and IPv6; a bad entry is named")
    func parsing() throws {
        let proxies = try TrustedProxies(parsing: " 10.0.0.0/8 ,192.168.1.7, fd00::/8, ::1 ")
        #expect(proxies.contains("10.200.3.4") && proxies.contains("::ffff:10.1.1.1"))
        #expect(proxies.contains("192.168.1.7") && !proxies.contains("192.168.1.8"))
        #expect(proxies.contains("fd12::1") && !proxies.contains("fe80::1") && proxies.contains("::1"))
        #expect(!proxies.contains("11.0.0.1") && !proxies.contains("not-an-address"))
        #expect(try TrustedProxies(parsing: "").isEmpty)
        #expect(!TrustedProxies.none.contains("127.0.0.1"))
        for bad in ["10.0.0.0/33", "fd00::/129", "proxy.internal", "10.0.0.1/", "1.2.3.4/8/8", "10.0.0.0/x"] {
            #expect(throws: TrustedProxies.InvalidEntry(entry: bad)) { try TrustedProxies(parsing: "127.0.0.1, \(bad)") }
        }
    }
}
