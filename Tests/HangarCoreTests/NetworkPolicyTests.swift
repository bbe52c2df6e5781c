import HangarCore
import Testing

@Suite("Network policy")
struct NetworkPolicyTests {
    @Test("internal addresses are recognised in every spelling")
    func internalAddresses() {
        for address in [
            "127.0.0.1", "127.8.9.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
            "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1", "fc00::5", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "ff02::1",
            "64:ff9b::a00:1", "not an address",
        ] {
            #expect(NetworkPolicy.isInternal(address), "\(address)")
        }
        for address in ["93.184.215.14", "8.8.8.8", "172.32.0.1", "192.169.0.1", "2606:4700::1111", "::ffff:8.8.8.8"] {
            #expect(!NetworkPolicy.isInternal(address), "\(address)")
        }
    }

    @Test("allowed domains, subdomains, resolution to internal addresses, schemes")
    func verdicts() {
        let policy = NetworkPolicy(allowedDomains: ["api.openai.com", "example.org"])
        let resolver: (String) -> [String] = { host in host == "rebind.example.org" ? ["8.8.8.8", "10.0.0.7"] : host.hasSuffix("example.org") || host == "api.openai.com" ? ["93.184.215.14"] : [] }
        #expect(policy.check(url: "https://api.openai.com/v1/chat", resolve: resolver) == .allowed(addresses: ["93.184.215.14"]))
        #expect(policy.check(url: "https://docs.example.org/", resolve: resolver) == .allowed(addresses: ["93.184.215.14"]))
        #expect(policy.check(url: "https://notexample.org/", resolve: resolver) == .refused(reason: "host 'notexample.org' is not in the allowed domains", internalAddress: false))
        guard case .refused(_, true) = policy.check(url: "http://rebind.example.org/", resolve: resolver) else {
            Issue.record("a name with an internal address must be refused as SSRF")
            return
        }
        guard case .refused(_, false) = policy.check(url: "file:///etc/passwd", resolve: resolver) else {
            Issue.record("file URLs are refused")
            return
        }
        let open = NetworkPolicy(allowedDomains: [], allowPrivateNetworks: true)
        #expect(open.check(url: "http://127.0.0.1:8080/", resolve: resolver) == .allowed(addresses: ["127.0.0.1"]))
        #expect(NetworkPolicy.resolve("localhost").contains { NetworkPolicy.isInternal($0) }, "the real resolver answers for localhost")
    }
}
