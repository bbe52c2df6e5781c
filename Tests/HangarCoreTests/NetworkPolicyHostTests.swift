import HangarCore
import Testing

@Suite("NetworkPolicy: host-level checks")
struct NetworkPolicyHostTests {
    let browsing = NetworkPolicy.browsing(allowPrivateNetworks: false)

    @Test("literals and names that are internal are refused as SSRF, before any lookup")
    func internalHosts() {
        for host in ["127.0.0.1", "[::1]", "::ffff:169.254.169.254", "localhost", "LOCALHOST.", "db.localhost", "10.1.2.3"] {
            let verdict = browsing.check(host: host) { _ in
                Issue.record("\(host) must not be resolved")
                return []
            }
            guard case .refused(_, true) = verdict else {
                Issue.record("\(host): \(verdict)")
                continue
            }
        }
    }

    @Test("a public name is allowed with exactly the addresses it resolved to; one internal address refuses it")
    func resolvedNames() {
        #expect(browsing.check(host: "example.com") { _ in ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"] }
            == .allowed(addresses: ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]))
        #expect(browsing.check(host: "rebind.example") { _ in ["93.184.215.14", "169.254.169.254"] }
            == .refused(reason: "host 'rebind.example' resolves to the internal address 169.254.169.254", internalAddress: true))
        #expect(
            browsing.check(host: "nowhere.example") { _ in [] }
                == .refused(reason: "host 'nowhere.example' does not resolve", internalAddress: false))
        let open = NetworkPolicy.browsing(allowPrivateNetworks: true)
        #expect(open.check(host: "localhost") { _ in ["127.0.0.1"] } == .allowed(addresses: ["127.0.0.1"]))
    }

    @Test("malformed hosts never reach the resolver; the allow list still applies")
    func malformed() {
        for host in ["", "a b", "user@127.0.0.1", "fe80::1%eth0", String(repeating: "a", count: 254)] {
            guard case .refused(_, false) = browsing.check(host: host, resolve: { _ in ["93.184.215.14"] }) else {
                Issue.record("\(host) should be refused")
                continue
            }
        }
        let listed = NetworkPolicy(allowedDomains: ["example.com"])
        #expect(listed.check(host: "api.example.com") { _ in ["93.184.215.14"] } == .allowed(addresses: ["93.184.215.14"]))
        guard case .refused(_, false) = listed.check(host: "example.org", resolve: { _ in ["93.184.215.14"] }) else {
            Issue.record("example.org is not in the allowed domains")
            return
        }
    }
}
